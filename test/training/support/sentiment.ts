import { SimpleChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import type { Example } from "../../../src/optimizers/context.js";

/**
 * A tiny world where the prompt decides the score: sarcastic reviews are negative, and the task model only
 * sees that when the system prompt mentions sarcasm or a demonstration shows a sarcastic review labelled
 * negative. Plain reviews are classified by keywords, whatever the prompt says.
 */
const SARCASM_CUES = ["oh great", "just what i needed", "yeah right", "thanks for nothing"];
const NEGATIVE_WORDS = ["broken", "terrible", "awful", "slow", "refund", "crashed"];

export function isSarcastic(review: string): boolean {
  const lower = review.toLowerCase();
  return SARCASM_CUES.some((cue) => lower.includes(cue));
}

export function mentionsSarcasm(text: string): boolean {
  return /sarcas/i.test(text);
}

/** The label the scripted task model gives, from the system text, the demonstrations and the review. */
export function classify(review: string, system: string, demos: { review: string; label: string }[]): string {
  if (isSarcastic(review)) {
    const aware = mentionsSarcasm(system) || demos.some((d) => isSarcastic(d.review) && d.label.trim() === "negative");
    return aware ? "negative" : "positive";
  }
  return NEGATIVE_WORDS.some((word) => review.toLowerCase().includes(word)) ? "negative" : "positive";
}

const text = (message: BaseMessage): string => (typeof message.content === "string" ? message.content : "");
const reviewOf = (content: string): string => content.replace(/^Review:\s*/, "");

/** Parses the prompt the way a model "reads" it: system text, human/AI demonstrations, the final review. */
export function readPrompt(messages: BaseMessage[]): { system: string; demos: { review: string; label: string }[]; review: string } {
  const system = messages.filter((m) => m.getType() === "system").map(text).join("\n");
  const turns = messages.filter((m) => m.getType() !== "system");
  const demos: { review: string; label: string }[] = [];
  for (let i = 0; i + 1 < turns.length; i += 2) {
    if (turns[i]!.getType() === "human" && turns[i + 1]!.getType() === "ai") {
      demos.push({ review: reviewOf(text(turns[i]!)), label: text(turns[i + 1]!) });
    }
  }
  return { system, demos, review: reviewOf(text(turns[turns.length - 1]!)) };
}

/** LangChain chat model answering with `classify`; counts its calls. */
export class SentimentChatModel extends SimpleChatModel {
  calls = 0;
  /** Called with the parsed prompt of every call (tests watch what the model was shown). */
  onCall?: (prompt: ReturnType<typeof readPrompt>) => void;

  _llmType(): string {
    return "sentiment-fake";
  }

  async _call(messages: BaseMessage[]): Promise<string> {
    this.calls += 1;
    const read = readPrompt(messages);
    this.onCall?.(read);
    const { system, demos, review } = read;
    return classify(review, system, demos);
  }
}

const PLAIN = [
  ["The battery lasts all day, love it", "positive"],
  ["Arrived broken and support never answered", "negative"],
  ["Fast shipping and great quality", "positive"],
  ["Terrible sound, I want a refund", "negative"],
  ["Exactly as described, works perfectly", "positive"],
  ["The app is slow and crashed twice", "negative"],
  ["My kids adore this game", "positive"],
  ["Awful fit, returned it", "negative"],
] as const;

const SARCASTIC = [
  "Oh great, it stopped working after one day",
  "Just what I needed, a phone that reboots every hour",
  "Yeah right, waterproof. Died in the rain",
  "Thanks for nothing, the lid cracked on arrival",
  "Oh great, another charger that does not charge",
  "Just what I needed, shoes that squeak on every step",
  "Yeah right, five-minute setup took all afternoon",
  "Thanks for nothing, the manual is blank",
] as const;

function example(review: string, label: string, id: string): Example {
  return { id, input: { review }, expected: label };
}

/** 12 training and 8 validation reviews; a third of each is sarcastic. */
export function sentimentData(): { trainset: Example[]; valset: Example[] } {
  const plain = PLAIN.map(([review, label], i) => example(review, label, `plain-${i}`));
  const sarcastic = SARCASTIC.map((review, i) => example(review, "negative", `sarcastic-${i}`));
  const trainset = [...plain.slice(0, 6), ...sarcastic.slice(0, 4), plain[6]!, sarcastic[4]!];
  const valset = [plain[7]!, ...sarcastic.slice(5), plain[0]!, plain[1]!, plain[2]!, plain[3]!];
  return { trainset, valset };
}
