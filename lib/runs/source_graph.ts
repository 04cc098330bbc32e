/**
 * Which source files a module executes, and a digest of their code: what makes a stored
 * run stale when code changes, and nothing else.
 *
 * Both come from TypeScript's own parser (the `typescript` package, pinned in deno.json),
 * in this process: no `deno info` subprocess, so a confined process (reproduce) computes
 * the same keys as the repository.
 * - The graph follows runtime imports only: `import type`, imports whose every binding is
 *   a type, and `export type ... from` are left out, as the compiler erases them. Dynamic
 *   `import("./x.ts")` with a literal path counts. npm packages are pinned in deno.json and
 *   covered by the backend's library versions, so only files inside the repository count.
 * - The digest covers each file's tokens, not its bytes: comments, JSDoc, layout and
 *   trailing commas do not change it; a changed identifier, literal or operator does.
 *
 * Parsing is cached per file content, so a study with 40 runs parses each file once.
 *
 * @module
 */
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { REPO_ROOT } from "../files.ts";

/** What the parser found in one file. */
interface ParsedModule {
  /** SHA-256 of the file's tokens, comments and whitespace left out. */
  tokenDigest: string;
  /** Specifiers of imports that run (type-only ones left out). */
  imports: string[];
  /** Literal `new URL("./x.ts", import.meta.url)` references: modules loaded by computed import. */
  urlReferences: string[];
}

const parsed = new Map<string, Promise<ParsedModule>>();

/** Lowercase hex SHA-256 of bytes or text. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Parses one file's text (cached by content): its token digest, runtime imports and URL
 * references.
 */
async function parseModule(path: string): Promise<ParsedModule> {
  const text = await Deno.readTextFile(path);
  const contentKey = await sha256Hex(text);
  let result = parsed.get(contentKey);
  if (!result) {
    result = parseText(path, text);
    parsed.set(contentKey, result);
  }
  return result;
}

async function parseText(path: string, text: string): Promise<ParsedModule> {
  const kind = path.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const tokens: string[] = [];
  const imports: string[] = [];
  const urlReferences: string[] = [];
  const visit = (node: ts.Node): void => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) {
      return;
    }
    noteReference(node, imports, urlReferences);
    const children = node.getChildren(source);
    if (children.length === 0) tokens.push(node.getText(source));
    else children.forEach(visit);
  };
  visit(source);
  // NUL never occurs inside a token, so joining cannot make two token lists collide.
  return {
    tokenDigest: await sha256Hex(withoutTrailingCommas(tokens).join("\0")),
    imports,
    urlReferences,
  };
}

const CLOSERS = new Set([")", "]", "}", ">"]);

/**
 * Drops commas that only end a list (`f(a, b,)`, `{ a, }`), which formatters add or
 * remove at will. A comma after `[` or another comma is an array hole and stays.
 */
function withoutTrailingCommas(tokens: string[]): string[] {
  return tokens.filter((token, i) =>
    token !== "," || !CLOSERS.has(tokens[i + 1]) || tokens[i - 1] === "[" || tokens[i - 1] === ","
  );
}

/** Records `node` when it is a runtime import, a dynamic import or a `new URL(...)` reference. */
function noteReference(node: ts.Node, imports: string[], urlReferences: string[]): void {
  if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
    if (!isTypeOnlyImport(node.importClause)) imports.push(node.moduleSpecifier.text);
  } else if (
    ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
  ) {
    const clause = node.exportClause;
    const typesOnly = node.isTypeOnly ||
      (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 &&
        clause.elements.every((e) => e.isTypeOnly));
    if (!typesOnly) imports.push(node.moduleSpecifier.text);
  } else if (
    ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
    node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])
  ) {
    imports.push(node.arguments[0].text);
  } else if (
    ts.isNewExpression(node) && ts.isIdentifier(node.expression) &&
    node.expression.text === "URL" && node.arguments?.length === 2 &&
    ts.isStringLiteralLike(node.arguments[0]) && node.arguments[1].getText() === "import.meta.url"
  ) {
    urlReferences.push(node.arguments[0].text);
  }
}

/** An import the compiler erases: `import type`, or named imports that are all types. */
function isTypeOnlyImport(clause: ts.ImportClause | undefined): boolean {
  if (clause === undefined) return false; // `import "./x.ts"` runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** A file URL or path as an absolute path. */
function toPath(entry: string | URL): string {
  if (entry instanceof URL) return fileURLToPath(entry);
  return entry.startsWith("file:") ? fileURLToPath(entry) : resolve(entry);
}

/** Options of {@linkcode moduleGraph}. */
export interface ModuleGraphOptions {
  /** Files outside this folder are not followed; default the repository root. */
  root?: string;
  /**
   * Also follow literal `new URL("./x.ts", import.meta.url)` references: modules a file
   * loads by computed import (the model table's). The dev server uses this to find every
   * study a file can affect; run identities list such modules explicitly instead.
   */
  followUrlReferences?: boolean;
}

/**
 * Local source files that run when `entries` (paths or file URLs) are imported, as
 * absolute paths inside the root, sorted.
 *
 * @example
 * ```ts
 * import { moduleGraph } from "./source_graph.ts";
 *
 * const files = await moduleGraph(["lib/train/classifier.ts"]);
 * // ["/repo/lib/data/...", ..., "/repo/lib/train/solver.ts", ...]
 * ```
 */
export async function moduleGraph(
  entries: (string | URL)[],
  options: ModuleGraphOptions = {},
): Promise<string[]> {
  const root = options.root ?? REPO_ROOT;
  const seen = new Set<string>();
  const inside = (file: string) =>
    !relative(root, file).startsWith("..") && !file.includes("/node_modules/");
  const queue = entries.map(toPath);
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file) || !inside(file)) continue;
    let module: ParsedModule;
    try {
      module = await parseModule(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`module graph: ${relative(root, file)} is imported but does not exist`);
      }
      throw error;
    }
    seen.add(file);
    const references = options.followUrlReferences
      ? [...module.imports, ...module.urlReferences]
      : module.imports;
    for (const specifier of references) {
      if (specifier.startsWith("./") || specifier.startsWith("../")) {
        queue.push(resolve(dirname(file), specifier));
      } else if (specifier.startsWith("file:")) {
        queue.push(fileURLToPath(specifier));
      }
    }
  }
  return [...seen].sort();
}

/** The code a run executes: one token digest per file, and their combined digest. */
export interface CodeIdentity {
  /** SHA-256 over the files' paths and token digests. */
  digest: string;
  /** Token digest of every file, by path relative to the repository root. */
  files: Record<string, string>;
}

/**
 * The code identity of `files` (absolute paths), named by their path relative to `root`
 * so that the same code in another clone gives the same digest.
 *
 * @example
 * ```ts
 * import { codeIdentity, moduleGraph } from "./source_graph.ts";
 *
 * const code = await codeIdentity(await moduleGraph(["lib/train/classifier.ts"]));
 * code.files["lib/train/solver.ts"]; // "3f1c..."
 * ```
 */
export async function codeIdentity(
  files: string[],
  root: string = REPO_ROOT,
): Promise<CodeIdentity> {
  const entries: [string, string][] = [];
  for (const file of [...new Set(files)].sort()) {
    entries.push([relative(root, file), (await parseModule(file)).tokenDigest]);
  }
  const digest = await sha256Hex(entries.map(([path, d]) => `${path}\0${d}`).join("\n"));
  return { digest, files: Object.fromEntries(entries) };
}

/**
 * The git commit of `root` and whether its tree has uncommitted changes. Where starting
 * a process is not permitted (a confined reproduction), or git is missing, the commit is
 * unknown (null).
 *
 * @example
 * ```ts
 * import { gitInfo } from "./source_graph.ts";
 *
 * const { commit, dirty } = await gitInfo();
 * ```
 */
export async function gitInfo(root: string = REPO_ROOT): Promise<{
  commit: string | null;
  dirty: boolean;
}> {
  const permitted = (await Deno.permissions.query({ name: "run", command: "git" })).state;
  if (permitted !== "granted") return { commit: null, dirty: false };
  const git = async (...args: string[]) => {
    try {
      const out = await new Deno.Command("git", {
        args,
        cwd: root,
        stdout: "piped",
        stderr: "null",
      }).output();
      return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
    } catch {
      return null; // git is not installed
    }
  };
  const commit = await git("rev-parse", "HEAD");
  const status = commit === null ? null : await git("status", "--porcelain");
  return { commit, dirty: status !== null && status !== "" };
}
