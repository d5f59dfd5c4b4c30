// The loopback server in its own process, so the client being measured does not share its event loop
// and CPU time with the server. Started by bench parts with `startServerProcess`.
import { startOpenAICompatibleServer } from "../../src/testing/index.js";

type Command = { type: "stats" } | { type: "reset" } | { type: "close" };

const latencyMs = Number(process.argv[2] ?? "0");
const server = await startOpenAICompatibleServer({
  handler: () => ({ answer: "yes", confidence: 0.9 }),
  latencyMs,
});
process.send?.({ type: "ready", url: server.url });
process.on("message", async (command: Command) => {
  if (command.type === "stats") {
    process.send?.({ type: "stats", maxInFlight: server.maxInFlight, requests: server.requests.length });
  } else if (command.type === "reset") {
    server.resetStats();
    process.send?.({ type: "reset" });
  } else {
    await server.close();
    process.exit(0);
  }
});
