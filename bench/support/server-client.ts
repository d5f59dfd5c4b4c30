import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ServerProcess {
  url: string;
  stats(): Promise<{ maxInFlight: number; requests: number }>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`bench server process exited (${code}) before '${type}'`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** Forks bench/support/server-process.ts with tsx and waits for its URL. */
export async function startServerProcess(latencyMs: number): Promise<ServerProcess> {
  const script = fileURLToPath(new URL("./server-process.ts", import.meta.url));
  const child = fork(script, [String(latencyMs)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const { url } = await next<{ url: string }>(child, "ready");
  return {
    url,
    async stats() {
      child.send({ type: "stats" });
      return next(child, "stats");
    },
    async reset() {
      child.send({ type: "reset" });
      await next(child, "reset");
    },
    async close() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send({ type: "close" });
      await exited;
    },
  };
}
