/**
 * Structured extraction: a zod-typed prompt that pulls { name, company, meetingDate } out of an email, tuned
 * by two optimizers at once — FewShotOptimizer picks demonstrations, InstructionOptimizer rewrites the
 * instructions. Each acts on its own key of the same prompt variable.
 *
 *   npx tsx examples/structured-extraction.ts          # scripted stand-in, no key needed
 *   OPENAI_API_KEY=sk-… npx tsx examples/structured-extraction.ts
 */
import { z } from "zod";
import {
  evaluate,
  FewShotOptimizer,
  fit,
  InstructionOptimizer,
  jsonMatch,
  TrainablePrompt,
  UsageLedger,
} from "../src/index.js";
import { EXTRACTION_TRAINSET, EXTRACTION_VALSET, extractionStandIn } from "./_shared/extraction-stand-in.js";
import { openModelSource } from "./_shared/model-source.js";

const Meeting = z.object({
  name: z.string().describe("Full name of the sender"),
  company: z.string().describe("The sender's company"),
  meetingDate: z.string().describe("The proposed meeting date"),
});

const models = await openModelSource({
  standIn: extractionStandIn,
  standInDescription:
    "extracts fields with a pattern and copies dates as written unless its prompt shows YYYY-MM-DD " +
    "(in the instructions or in a demonstration).",
});

try {
  const usage = new UsageLedger();
  const prompt = new TrainablePrompt({
    name: "meeting_extraction",
    instructions: "Extract the sender's name, their company and the proposed meeting date from the email.",
    messages: "Email:\n{email}",
  });
  // withStructuredOutput sends the zod schema as a strict JSON schema and parses the answer into an object.
  const program = prompt.pipe(models.chatModel().withStructuredOutput(Meeting, { name: "meeting" }));
  const reward = jsonMatch(); // share of fields equal to the expected ones, with feedback naming the others

  const before = await evaluate(program, { dataset: EXTRACTION_VALSET, reward, concurrency: 6 });
  console.log(`\nField accuracy of the seed prompt on validation: ${before.mean.toFixed(3)}`);

  const result = await fit(program, {
    trainset: EXTRACTION_TRAINSET,
    valset: EXTRACTION_VALSET,
    reward,
    optimizers: [
      // minScore 1: only perfectly scored answers become demonstrations.
      new FewShotOptimizer({ maxExamples: 2, minScore: 1, seed: 2 }),
      new InstructionOptimizer({ languageModel: models.languageModel({ ledger: usage }), numCandidates: 2, seed: 2 }),
    ],
    epochs: 2,
    batchSize: 3,
    concurrency: 6,
    seed: 2,
    usage, // fit books the chain's own model calls (role "task") here too
  });

  const tuned = prompt.variable.json();
  console.log(`Run ${result.status}: validation ${result.record.initialValScore?.toFixed(3)} → ${result.record.finalValScore?.toFixed(3)}`);
  console.log(`Instructions: ${tuned.instructions}`);
  console.log(`Demonstrations (${tuned.examples.length}):`);
  for (const example of tuned.examples) console.log(`  ${JSON.stringify(example.input)} → ${JSON.stringify(example.output)}`);
  console.log(`Model calls: ${result.usage.total.calls} (${JSON.stringify(Object.fromEntries(Object.entries(result.usage.byRole).map(([role, t]) => [role, t?.calls])))})`);
  if (!models.live) console.log("(Scores above come from the scripted stand-in, not from a language model.)");
} finally {
  await models.close();
}
