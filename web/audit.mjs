// The GraphQL-over-HTTP audits of graphql-http (npm, the spec's reference suite) against a
// running service: node audit.mjs http://127.0.0.1:8000/graphql. Prints one JSON object:
// {"total": n, "ok": n, "warn": [...], "error": [...]} (tests/e2e/test_graphql_http_audit.py).
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs <graphql url>");
  process.exit(2);
}
const results = await auditServer({ url });
const pick = (status) =>
  results.filter((r) => r.status === status).map((r) => ({ id: r.id, name: r.name, reason: r.reason }));
console.log(
  JSON.stringify({
    total: results.length,
    ok: results.filter((r) => r.status === "ok").length,
    warn: pick("warn"),
    error: pick("error"),
  }),
);
