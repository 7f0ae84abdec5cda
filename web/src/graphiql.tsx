// GraphiQL as the service serves it at /graphql: the npm packages bundled into
// graph_api/service/static/vendor/ by build.mjs, so the IDE works on a machine without internet
// (strawberry's own page loads the same versions from unpkg.com). The page
// (graph_api/service/ide.py) gives the first query in data-default-query; nothing is inline.
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import React from "react";
import { createRoot } from "react-dom/client";

const container = document.getElementById("graphiql");
if (container === null) {
  throw new Error("GraphiQL: the page has no #graphiql element");
}
const url = window.location.href.split("?")[0].split("#")[0];
const subscriptionUrl = url.replace(/^http/, "ws");
const fetcher = createGraphiQLFetcher({ url, subscriptionUrl });
const params = new URLSearchParams(window.location.search);
const defaultQuery = container.dataset.defaultQuery ?? "";

function remember(name: string, value: string | undefined): void {
  const next = new URLSearchParams(window.location.search);
  if (value) {
    next.set(name, value);
  } else {
    next.delete(name);
  }
  const search = next.toString();
  history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
}

container.textContent = "";
createRoot(container).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery,
    query: params.get("query") ?? undefined,
    variables: params.get("variables") ?? undefined,
    onEditQuery: (q: string) => remember("query", q),
    onEditVariables: (v: string) => remember("variables", v),
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    inputValueDeprecation: true,
  }),
);
