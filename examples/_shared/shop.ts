import { tool } from "@langchain/core/tools";
import { z } from "zod";
import type { Example } from "../../src/index.js";

/**
 * The shop of examples/agent.ts: two tools over a little fixed data, and questions whose answers are one word.
 * The tools are real code; only the model deciding when to call them is scripted (offline) or real (with a key).
 */
const ORDERS: Record<string, string> = {
  A1: "shipped",
  B2: "delivered",
  C3: "processing",
  D4: "cancelled",
  E5: "returned",
  F6: "shipped",
  G7: "delivered",
  H8: "processing",
};
const FACTS: Record<string, string> = {
  "who wrote hamlet": "Shakespeare",
  "who painted the mona lisa": "Leonardo",
  "who designed the eiffel tower": "Eiffel",
  "who discovered penicillin": "Fleming",
  "who composed the four seasons": "Vivaldi",
};

export const SEED_ORDER_DESCRIPTION = "Looks up records.";

/** Order lookups by id. Its description starts out saying nothing about orders. */
export const orderStatusTool = () =>
  tool(async ({ orderId }) => ORDERS[orderId.toUpperCase()] ?? `There is no order ${orderId}.`, {
    name: "order_status",
    description: SEED_ORDER_DESCRIPTION,
    schema: z.object({ orderId: z.string().describe("The order id, e.g. A1.") }),
  });

/** A stand-in web search over a few facts. */
export const webSearchTool = () =>
  tool(
    async ({ query }) => {
      const lower = query.toLowerCase();
      const hit = Object.entries(FACTS).find(([question]) => lower.includes(question));
      return hit ? `Top result: ${hit[1]}.` : `No results for "${query}".`;
    },
    {
      name: "web_search",
      description: "Searches the web for general knowledge.",
      schema: z.object({ query: z.string().describe("What to search for.") }),
    },
  );

type AgentInput = { messages: { role: "user"; content: string }[] };

const example = (id: string, question: string, expected: string): Example<AgentInput, string> => ({
  id,
  input: { messages: [{ role: "user", content: question }] },
  expected,
});

export const AGENT_TRAINSET: Example<AgentInput, string>[] = [
  example("t1", "Where is my order A1?", "shipped"),
  example("t2", "Who wrote Hamlet?", "Shakespeare"),
  example("t3", "What happened to order B2?", "delivered"),
  example("t4", "Who painted the Mona Lisa?", "Leonardo"),
  example("t5", "Any news on order E5?", "returned"),
  example("t6", "Who discovered penicillin?", "Fleming"),
];

export const AGENT_VALSET: Example<AgentInput, string>[] = [
  example("v1", "Status of order C3, please.", "processing"),
  example("v2", "Who designed the Eiffel Tower?", "Eiffel"),
  example("v3", "Has order D4 shipped yet?", "cancelled"),
  example("v4", "Who composed The Four Seasons?", "Vivaldi"),
];
