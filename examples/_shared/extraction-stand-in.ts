import type { Example } from "../../src/index.js";

/** Meeting requests: who writes, for which company, and the date they propose (expected as YYYY-MM-DD). */
const EMAILS: ReadonlyArray<{ name: string; company: string; dateText: string; iso: string }> = [
  { name: "Ada Byron", company: "Analytical Engines", dateText: "2026-03-04", iso: "2026-03-04" },
  { name: "Grace Hopper", company: "Cobol Works", dateText: "March 9th, 2026", iso: "2026-03-09" },
  { name: "Alan Turing", company: "Bletchley Labs", dateText: "12 April 2026", iso: "2026-04-12" },
  { name: "Edsger Dijkstra", company: "Shortest Path BV", dateText: "2026-05-02", iso: "2026-05-02" },
  { name: "Barbara Liskov", company: "Substitution Inc", dateText: "June 1st, 2026", iso: "2026-06-01" },
  { name: "Donald Knuth", company: "Literate Press", dateText: "7 July 2026", iso: "2026-07-07" },
  { name: "Margaret Hamilton", company: "Apollo Software", dateText: "2026-08-20", iso: "2026-08-20" },
  { name: "Ken Thompson", company: "Unix Systems", dateText: "September 15th, 2026", iso: "2026-09-15" },
  { name: "Frances Allen", company: "Optimizing Compilers", dateText: "3 October 2026", iso: "2026-10-03" },
  { name: "John Backus", company: "Formula Translation", dateText: "2026-11-11", iso: "2026-11-11" },
  { name: "Radia Perlman", company: "Spanning Trees", dateText: "December 5th, 2026", iso: "2026-12-05" },
  { name: "Tony Hoare", company: "Quicksort Ltd", dateText: "21 January 2027", iso: "2027-01-21" },
];

export interface Meeting {
  name: string;
  company: string;
  meetingDate: string;
}

const examples: Example<{ email: string }, Meeting>[] = EMAILS.map((e, i) => ({
  id: `email-${i + 1}`,
  input: { email: `Hello! I'm ${e.name} from ${e.company}. Could we meet on ${e.dateText} to talk about your product?` },
  expected: { name: e.name, company: e.company, meetingDate: e.iso },
}));
export const EXTRACTION_TRAINSET = examples.filter((_, i) => i % 2 === 0);
export const EXTRACTION_VALSET = examples.filter((_, i) => i % 2 === 1);

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}\b/;

/** "March 9th, 2026" or "12 April 2026" → "2026-03-09"; ISO dates stay as they are. */
function toIso(text: string): string {
  if (ISO_DATE.test(text)) return text;
  const words = text.toLowerCase().replace(/(st|nd|rd|th),?/g, "").replace(",", "").split(/\s+/);
  const month = words.findIndex((w) => MONTHS.includes(w));
  const numbers = words.filter((w) => /^\d+$/.test(w)).map(Number);
  const day = numbers.find((n) => n <= 31) ?? 1;
  const year = numbers.find((n) => n > 31) ?? 2026;
  const monthNumber = MONTHS.indexOf(words[month] ?? "") + 1;
  return `${year}-${String(monthNumber).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

interface Message {
  role: string;
  content: string;
}

/**
 * The scripted stand-in of the extraction example (not a language model). As the task model it reads the
 * name, company and date with a pattern, and copies the date as written — unless its prompt shows the
 * ISO format (instructions mentioning YYYY-MM-DD, or a demonstration whose date is ISO), then it converts.
 * As the optimizer it asks for YYYY-MM-DD once the feedback it is shown mentions an expected ISO date.
 */
export function extractionStandIn(request: { messages: Message[]; responseFormat: Record<string, unknown> | undefined }): object {
  const schema = (request.responseFormat?.json_schema as { schema?: { properties?: Record<string, unknown> } } | undefined)?.schema;
  if (schema?.properties && "instructions" in schema.properties) {
    const shown = request.messages.map((m) => m.content).join("\n");
    const sawDateFeedback = /meetingDate: expected "\d{4}-\d{2}-\d{2}"/.test(shown);
    return {
      instructions: sawDateFeedback
        ? "Extract the sender's name, their company and the proposed meeting date. Write meetingDate as YYYY-MM-DD."
        : "Extract the sender's name, their company and the proposed meeting date from the email.",
    };
  }
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content).join("\n");
  const demonstrations = request.messages.filter((m) => m.role === "assistant").map((m) => m.content).join("\n");
  const showsIso = /YYYY-MM-DD/.test(system) || ISO_DATE.test(demonstrations);
  const email = request.messages.at(-1)?.content ?? "";
  const match = /I'm (.+?) from (.+?)\. Could we meet on (.+?) to talk/.exec(email);
  const dateText = match?.[3] ?? "";
  return { name: match?.[1] ?? "", company: match?.[2] ?? "", meetingDate: showsIso ? toIso(dateText) : dateText };
}
