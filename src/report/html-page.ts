import { escapeHtml } from "./escape-html.js";
import { REPORT_CSS } from "./report-styles.js";

/** One card of a report page: its anchor id, its heading, and its (already escaped) HTML. */
export interface PageSection {
  id: string;
  title: string;
  html: string;
}

/**
 * A self-contained, script-free report page: the shared head (strict CSP, inline styles), `header` (escaped HTML
 * shown above the contents), a table of contents, one card per section, and a footer line (plain text).
 */
export function renderHtmlPage(page: { title: string; css?: string; header: string; sections: readonly PageSection[]; footer: string }): string {
  const nav = page.sections.map(({ id, title }) => `<a href="#${id}">${escapeHtml(title)}</a>`).join("");
  const cards = page.sections
    .map(({ id, title, html }) => `<section class="card" id="${id}">\n<h2>${escapeHtml(title)}</h2>\n${html}\n</section>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(page.title)}</title>
<style>${REPORT_CSS}${page.css ?? ""}</style>
</head>
<body>
<main>
${page.header}
<nav class="toc">${nav}</nav>
${cards}
<footer>${escapeHtml(page.footer)}</footer>
</main>
</body>
</html>
`;
}
