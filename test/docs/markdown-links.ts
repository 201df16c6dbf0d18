/**
 * What the docs link check needs from Markdown: the relative links of a page and the heading
 * anchors a page offers, the way GitHub renders them. Not a Markdown parser: it knows fenced code
 * blocks, code spans, inline and reference links, ATX headings and explicit HTML anchors, which is
 * all the docs use.
 */

export interface MarkdownLink {
  /** 1-based line of the page the link is on. */
  line: number;
  /** The link target as written, e.g. `../src/store/` or `commands.md#failure-policy`. */
  target: string;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const CODE_SPAN = /(`+)(?:(?!\1)[\s\S])*?\1/g;
const INLINE_LINK = /\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const HTML_ANCHOR = /<a\s+(?:[^>]*\s)?(?:id|name)="([^"]+)"/g;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The page's lines with fenced code blocks blanked, so nothing inside them counts. */
function proseLines(markdown: string): string[] {
  const lines = markdown.split('\n');
  let fence: string | undefined;
  return lines.map((line) => {
    const opening = FENCE.exec(line)?.[1];
    if (fence === undefined) {
      if (opening) {
        fence = opening;
        return '';
      }
      return line;
    }
    if (opening && opening[0] === fence[0] && opening.length >= fence.length && line.trim() === opening) fence = undefined;
    return '';
  });
}

/** Every link target on the page that is not an absolute URL (http:, mailto: ...). */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseLines(markdown).forEach((line, index) => {
    // A code span's text is shown as is; a link inside one is not a link. Link text may be a code span.
    const prose = line.replace(CODE_SPAN, 'code');
    const targets = [...prose.matchAll(INLINE_LINK)].map((match) => match[1]!);
    const definition = REFERENCE_DEFINITION.exec(prose)?.[1];
    if (definition) targets.push(definition);
    for (const target of targets) if (!SCHEME.test(target)) links.push({ line: index + 1, target });
  });
  return links;
}

/** GitHub's anchor for a heading: its text, lower case, punctuation dropped, spaces as hyphens. */
export function slug(headingText: string): string {
  const text = headingText
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*~]/g, ''); // code and emphasis marks ('_' stays: GitHub keeps it)
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor the page offers: its headings' slugs (repeats numbered -1, -2... as GitHub does) and HTML ids. */
export function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    for (const match of line.matchAll(HTML_ANCHOR)) found.add(match[1]!);
    const heading = HEADING.exec(line);
    if (!heading) continue;
    const base = slug(heading[2]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}
