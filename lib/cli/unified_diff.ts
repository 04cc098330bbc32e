/**
 * A unified diff of two texts, line by line, as `diff -u` prints it: `---`/`+++` headers,
 * then hunks `@@ -a,b +c,d @@` with three lines of context. `reproduce` shows one before
 * running a page's script that differs from the repository's.
 *
 * The edit script is a longest common subsequence of lines (dynamic programming after the
 * common head and tail are cut off), enough for study scripts of a few hundred lines; texts
 * whose differing middles are larger than {@linkcode MAX_DIFF_CELLS} cells are shown as
 * one hunk that replaces the whole middle.
 *
 * @module
 */

/** Largest (old lines x new lines) table the LCS builds: about 16 MB of Uint32. */
export const MAX_DIFF_CELLS = 4_000_000;

/** Lines of context around each change. */
const CONTEXT = 3;

type Edit = { kind: " " | "-" | "+"; line: string };

/** Splits on newlines; a trailing newline does not make an empty last line. */
function lines(text: string): string[] {
  if (text === "") return [];
  const all = text.split("\n");
  if (all.at(-1) === "") all.pop();
  return all;
}

/** The edit script turning `a` into `b`. */
function edits(a: string[], b: string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head && tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) tail++;
  const oldMiddle = a.slice(head, a.length - tail);
  const newMiddle = b.slice(head, b.length - tail);
  const middle: Edit[] = [];
  const n = oldMiddle.length, m = newMiddle.length;
  if ((n + 1) * (m + 1) > MAX_DIFF_CELLS) {
    for (const line of oldMiddle) middle.push({ kind: "-", line });
    for (const line of newMiddle) middle.push({ kind: "+", line });
  } else {
    // lcs[i][j]: length of the LCS of oldMiddle[i..] and newMiddle[j..].
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = oldMiddle[i] === newMiddle[j]
          ? lcs[(i + 1) * width + j + 1] + 1
          : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
      }
    }
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && oldMiddle[i] === newMiddle[j]) {
        middle.push({ kind: " ", line: oldMiddle[i++] });
        j++;
      } else if (i < n && (j === m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) {
        // Deletions before insertions, as diff -u prints a changed line.
        middle.push({ kind: "-", line: oldMiddle[i++] });
      } else {
        middle.push({ kind: "+", line: newMiddle[j++] });
      }
    }
  }
  return [
    ...a.slice(0, head).map((line): Edit => ({ kind: " ", line })),
    ...middle,
    ...a.slice(a.length - tail).map((line): Edit => ({ kind: " ", line })),
  ];
}

/**
 * The unified diff from `before` to `after`, or "" when they are equal.
 *
 * @param names the two file names for the `---` and `+++` lines
 * @example
 * ```ts
 * unifiedDiff("a\nb\n", "a\nc\n", ["old.ts", "new.ts"]);
 * // "--- old.ts\n+++ new.ts\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
 * ```
 */
export function unifiedDiff(before: string, after: string, names: [string, string]): string {
  if (before === after) return "";
  const script = edits(lines(before), lines(after));
  const changed = script.flatMap((edit, at) => (edit.kind === " " ? [] : [at]));
  if (changed.length === 0) {
    // Same lines, different text: only the final newline differs.
    return `--- ${names[0]}\n+++ ${names[1]}\n\\ the texts differ only in their final newline\n`;
  }
  // Group changes whose contexts touch into one hunk.
  const hunks: [number, number][] = [];
  for (const at of changed) {
    const last = hunks.at(-1);
    if (last && at - last[1] <= 2 * CONTEXT + 1) last[1] = at;
    else hunks.push([at, at]);
  }
  // Line numbers (1-based) in each file at each position of the script.
  const oldLine: number[] = [], newLine: number[] = [];
  let o = 1, n = 1;
  for (const edit of script) {
    oldLine.push(o);
    newLine.push(n);
    if (edit.kind !== "+") o++;
    if (edit.kind !== "-") n++;
  }
  const out = [`--- ${names[0]}`, `+++ ${names[1]}`];
  for (const [first, last] of hunks) {
    const from = Math.max(0, first - CONTEXT);
    const to = Math.min(script.length - 1, last + CONTEXT);
    const part = script.slice(from, to + 1);
    const oldCount = part.filter((edit) => edit.kind !== "+").length;
    const newCount = part.filter((edit) => edit.kind !== "-").length;
    // diff -u numbers an empty range by the line before it.
    const oldStart = oldCount === 0 ? oldLine[from] - 1 : oldLine[from];
    const newStart = newCount === 0 ? newLine[from] - 1 : newLine[from];
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const edit of part) out.push(`${edit.kind}${edit.line}`);
  }
  return out.join("\n") + "\n";
}
