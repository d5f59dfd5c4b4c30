import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentStandIn, ORDER_TOOL_DESCRIPTION } from "../../examples/_shared/agent-stand-in.js";
import { sentimentStandIn } from "../../examples/_shared/sentiment-stand-in.js";
import { startOpenAICompatibleServer } from "../../src/testing/index.js";

const ROOT = join(import.meta.dirname, "..", "..");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the repository with a clean model environment plus `env`. */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = { ...process.env };
  for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "TUNECHAIN_MODEL", "TUNECHAIN_FIXTURES", "CI"]) delete base[name];
  const child = spawn(command, args, { cwd: ROOT, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const tsx = (file: string, env: Record<string, string> = {}) => run(process.execPath, ["--import", "tsx", join("examples", file)], env);

describe("npm run example (the quickstart)", () => {
  it("runs with no key and no network against the scripted stand-in, and says so", async () => {
    const result = await run("npm", ["run", "--silent", "example"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("the model is a SCRIPTED STAND-IN");
    expect(result.stdout).toContain("Validation accuracy of the seed prompt: 0.667");
    expect(result.stdout).toContain("Run completed: validation 0.667 → 1.000");
    expect(result.stdout).toContain("Watch for sarcasm");
    const report = await readFile(join(ROOT, ".tunechain", "examples", "quickstart", "report.html"), "utf8");
    expect(report).toContain('class="curve curve-train"');
  });

  it("with OPENAI_API_KEY calls the API at OPENAI_BASE_URL with TUNECHAIN_MODEL", async () => {
    // This server plays the remote API; the example must not start its own stand-in.
    const server = await startOpenAICompatibleServer({ handler: sentimentStandIn });
    try {
      const key = "sk-test-example-live-path-0000";
      const result = await run("npm", ["run", "--silent", "example"], {
        OPENAI_API_KEY: key,
        OPENAI_BASE_URL: server.url,
        TUNECHAIN_MODEL: "my-served-model",
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Live model: my-served-model at ${server.url}`);
      expect(result.stdout).not.toContain("STAND-IN");
      const bodies = server.requests.map((request) => request.body as { model: string; response_format?: unknown });
      const structured = bodies.filter((body) => body.response_format !== undefined);
      expect(bodies.length).toBeGreaterThan(20);
      expect(structured.length).toBeGreaterThan(0); // the optimizer's calls
      expect(structured.length).toBeLessThan(bodies.length); // and the chain's own calls
      expect(new Set(bodies.map((body) => body.model))).toEqual(new Set(["my-served-model"]));
      const artifact = await readFile(join(ROOT, ".tunechain", "examples", "quickstart", "tuned.json"), "utf8");
      expect(artifact).not.toContain(key);
    } finally {
      await server.close();
    }
  });
});

describe("the other examples, offline", () => {
  it("structured-extraction tunes instructions and demonstrations of a zod-typed prompt", async () => {
    const result = await tsx("structured-extraction.ts");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("SCRIPTED STAND-IN");
    expect(result.stdout).toMatch(/Run completed: validation 0\.\d+ → 1\.000/);
  });

  it("pipeline runs evaluate → optimizer → evaluate as one LangChain chain", async () => {
    const result = await tsx("pipeline.ts");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("before: accuracy 0.667");
    expect(result.stdout).toContain("after: accuracy 1.000");
    // The optimizer step is a run of the pipeline, and its model call a run below it.
    expect(result.stdout).toMatch(/tuning_round\n\s+evaluate_before\n\s+to_optimizer_input\n\s+instruction_optimizer\n\s+.*\(model call\)/);
  });

  it("fixtures-in-tests records a run and replays it exactly with the server gone", async () => {
    const result = await tsx("fixtures-in-tests.ts");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Recorded (\d+) exchanges/);
    const recorded = /Recorded (\d+) exchanges/.exec(result.stdout)?.[1];
    expect(result.stdout).toContain(`Replayed ${recorded} exchanges (0 from the network).`);
    expect(result.stdout).toContain("Replay reproduced the recorded run exactly");
  });
});

describe("agent.ts (a LangGraph ReAct agent)", () => {
  it("tunes the agent's system prompt and a tool description offline, and a fresh agent loaded from the artifact keeps the score", async () => {
    const result = await tsx("agent.ts");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("SCRIPTED STAND-IN");
    expect(result.stdout).toContain("Validation accuracy of the seed agent: 0.000");
    expect(result.stdout).toContain("Run completed: validation 0.000 → 1.000");
    expect(result.stdout).toContain("reply with the bare answer only");
    expect(result.stdout).toContain(ORDER_TOOL_DESCRIPTION);
    expect(result.stdout).toContain("loaded into a fresh agent: validation 1.000");
    const artifact = JSON.parse(await readFile(join(ROOT, ".tunechain", "examples", "agent", "tuned.json"), "utf8"));
    expect(Object.keys(artifact.variables).sort()).toEqual(["order_status", "shop_agent"]);
    expect(artifact.variables.order_status.value.description).toBe(ORDER_TOOL_DESCRIPTION);
  });

  it("with OPENAI_API_KEY calls the API at OPENAI_BASE_URL, and the requests carry the tuned tool description", async () => {
    const server = await startOpenAICompatibleServer({ handler: agentStandIn });
    try {
      const result = await tsx("agent.ts", { OPENAI_API_KEY: "sk-test-example-agent-0000", OPENAI_BASE_URL: server.url, TUNECHAIN_MODEL: "served-model" });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Live model: served-model at ${server.url}`);
      expect(result.stdout).not.toContain("STAND-IN");
      const descriptions = server.requests.flatMap((request) =>
        ((request.body as { tools?: { function: { name: string; description: string } }[] }).tools ?? [])
          .filter((tool) => tool.function.name === "order_status")
          .map((tool) => tool.function.description),
      );
      expect(descriptions).toContain("Looks up records.");
      expect(descriptions.at(-1)).toBe(ORDER_TOOL_DESCRIPTION);
    } finally {
      await server.close();
    }
  });
});
