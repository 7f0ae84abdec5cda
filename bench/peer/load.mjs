// The load generator of bench/badge_reads.py, the same for trustgraph and its peers, so that
// their ratios measure the servers, not the clients.
//
//   node load.mjs http  SPEC.json   HTTP with autocannon: {url, connections, seconds, requests:
//                                   [{method, path, headers, body}]}, each connection cycling
//                                   through the requests
//   node load.mjs raw   SPEC.json   the raw neo4j driver: {uri, user, password, database,
//                                   connections, seconds, query, params: [{...}]}, `connections`
//                                   queries in flight at once, cycling through params
//
// Prints one JSON object: requests, seconds, rps, p50 and p99 (ms), and status counts.
import autocannon from "autocannon";
import neo4j from "neo4j-driver";
import { readFileSync } from "node:fs";

const [mode, specPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, "utf8"));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.round((p / 100) * (sorted.length - 1)))];
}

async function http() {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    requests: spec.requests,
  });
  return {
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    status: { "2xx": result["2xx"], "3xx": result["3xx"], "4xx": result["4xx"], "5xx": result["5xx"] },
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function raw() {
  const driver = neo4j.driver(spec.uri, neo4j.auth.basic(spec.user, spec.password), {
    maxConnectionPoolSize: spec.connections,
  });
  const latencies = [];
  let n = 0;
  const until = performance.now() + spec.seconds * 1000;
  async function worker() {
    while (performance.now() < until) {
      const params = spec.params[n++ % spec.params.length];
      const started = performance.now();
      await driver.executeQuery(spec.query, params, { database: spec.database });
      latencies.push(performance.now() - started);
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: spec.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await driver.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1],
  };
}

const out = mode === "raw" ? await raw() : await http();
process.stdout.write(JSON.stringify(out) + "\n");
