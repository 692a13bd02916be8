import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** How a block's code is compiled: as TypeScript or as JavaScript. */
export type DocBlockKind = 'ts' | 'js';

/** A fenced code block of a Markdown page. */
export interface DocBlock {
  /** The page, relative to the repository root (`README.md`, `docs/blobs.md`). */
  file: string;
  /** 1-based line of the opening fence. */
  fenceLine: number;
  /** 1-based line of the block's first line of code (`fenceLine + 1`). */
  firstLine: number;
  /** The language as written after the fence (`ts`, `typescript`, `js`, `mjs`). */
  language: string;
  kind: DocBlockKind;
  /** The code, with the fence's own indentation removed, ending with a newline. */
  code: string;
  /** `file:fenceLine`, for messages. */
  location: string;
}

const LANGUAGES: Record<string, DocBlockKind> = {
  ts: 'ts',
  typescript: 'ts',
  mts: 'ts',
  js: 'js',
  javascript: 'js',
  mjs: 'js',
};

const OPENING_FENCE = /^( *)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;

/**
 * The fenced code blocks in JavaScript or TypeScript of one Markdown text, in page order.
 * Fences may be indented (blocks inside list items), use backticks or tildes, and a closing fence
 * must use the same character at least as many times; an unclosed block runs to the end of the
 * page, as in CommonMark.
 */
export function extractCodeBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: DocBlock[] = [];
  let index = 0;
  while (index < lines.length) {
    const opening = OPENING_FENCE.exec(lines[index] ?? '');
    if (!opening) {
      index += 1;
      continue;
    }
    const indent = opening[1]?.length ?? 0;
    const fence = opening[2] ?? '```';
    const language = (opening[3] ?? '').toLowerCase();
    const fenceLine = index + 1;
    const closing = new RegExp(`^ *${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    index += 1;
    while (index < lines.length && !closing.test(lines[index] ?? '')) {
      body.push(removeIndent(lines[index] ?? '', indent));
      index += 1;
    }
    index += 1; // past the closing fence
    const kind = LANGUAGES[language];
    if (kind === undefined) continue;
    blocks.push({
      file,
      fenceLine,
      firstLine: fenceLine + 1,
      language,
      kind,
      code: body.length === 0 ? '' : `${body.join('\n')}\n`,
      location: `${file}:${fenceLine}`,
    });
  }
  return blocks;
}

function removeIndent(line: string, indent: number): string {
  let removed = 0;
  while (removed < indent && line[removed] === ' ') removed += 1;
  return line.slice(removed);
}

/** The documentation pages of the repository at `root`: `README.md`, then `docs/*.md` by name. */
export function docPages(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** Every JavaScript/TypeScript code block of the repository's documentation pages. */
export function extractDocBlocks(root: string): DocBlock[] {
  return docPages(root).flatMap((page) => extractCodeBlocks(readFileSync(join(root, page), 'utf8'), page));
}

/**
 * A top-level statement `expression; // <literal>` (or `console.log(expression); // <literal>`)
 * whose trailing comment is a JavaScript literal, optionally followed by a remark in parentheses:
 * the page claims the expression evaluates to that value.
 */
export interface ShownValue {
  /** 0-based offsets of the expression in the block's code. */
  start: number;
  end: number;
  /** The expression's source text. */
  expression: string;
  /** The literal from the comment, as source text (`'docker.io'`, `4`, `undefined`). */
  literal: string;
  /** 0-based line of the expression in the block. */
  line: number;
}

/** What a block declares, uses and mentions, from its syntax alone. */
export interface BlockFacts {
  /** Names the block declares at top level, imports included. */
  declared: Set<string>;
  /** Identifiers the block uses as names of values or types (not property names). */
  identifiers: Set<string>;
  /** Module specifiers the block imports from. */
  imports: string[];
  /** True when every top-level statement declares a type (interface or type alias). */
  declaresTypesOnly: boolean;
  /** The names of the interfaces and type aliases declared at top level. */
  declaredTypes: string[];
  /** String literals and template texts outside import declarations. */
  strings: string[];
  /** True when the block contains an `it(…)` or `test(…)` call: it is a test file. */
  definesTests: boolean;
  shownValues: ShownValue[];
}

/** A comment that is a value, optionally followed by a remark in parentheses: `'docker.io'`, `4 (two faults)`. */
const SHOWN_LITERAL = /^('[^'\\\n]*'|"[^"\\\n]*"|-?\d+(?:\.\d+)?|undefined|null|true|false)(?:\s+\(.*\))?$/;

/** Parses a block (as TypeScript, which also accepts JavaScript) and collects its {@link BlockFacts}. */
export function analyzeBlock(code: string): BlockFacts {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const facts: BlockFacts = {
    declared: new Set(),
    identifiers: new Set(),
    imports: [],
    declaresTypesOnly: source.statements.length > 0,
    declaredTypes: [],
    strings: [],
    definesTests: false,
    shownValues: [],
  };

  for (const statement of source.statements) {
    collectDeclarations(statement, facts);
    if (!ts.isInterfaceDeclaration(statement) && !ts.isTypeAliasDeclaration(statement)) facts.declaresTypesOnly = false;
    const shown = shownValueOf(statement, source, code);
    if (shown) facts.shownValues.push(shown);
  }

  const visit = (node: ts.Node, insideImport: boolean): void => {
    if (ts.isIdentifier(node) && !isPropertyName(node)) facts.identifiers.add(node.text);
    if (!insideImport && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) facts.strings.push(node.text);
    if (ts.isTemplateExpression(node)) facts.strings.push(node.head.text, ...node.templateSpans.map((span) => span.literal.text));
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && (node.expression.text === 'it' || node.expression.text === 'test')) {
      facts.definesTests = true;
    }
    node.forEachChild((child) => visit(child, insideImport || ts.isImportDeclaration(node)));
  };
  visit(source, false);
  return facts;
}

/** True for `x.name`, `{ name: … }`, `interface { name: … }` and the like: a name that is not looked up in scope. */
function isPropertyName(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent)) return parent.name === node;
  if (ts.isQualifiedName(parent)) return parent.right === node;
  if (ts.isBindingElement(parent)) return parent.propertyName === node;
  if (
    ts.isPropertyAssignment(parent) ||
    ts.isPropertySignature(parent) ||
    ts.isPropertyDeclaration(parent) ||
    ts.isMethodDeclaration(parent) ||
    ts.isMethodSignature(parent) ||
    ts.isGetAccessorDeclaration(parent) ||
    ts.isSetAccessorDeclaration(parent)
  ) {
    return parent.name === node;
  }
  return false;
}

function collectDeclarations(statement: ts.Statement, facts: BlockFacts): void {
  if (ts.isImportDeclaration(statement)) {
    if (ts.isStringLiteral(statement.moduleSpecifier)) facts.imports.push(statement.moduleSpecifier.text);
    const clause = statement.importClause;
    if (clause?.name) facts.declared.add(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) facts.declared.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) facts.declared.add(element.name.text);
  } else if (ts.isVariableStatement(statement)) {
    for (const declaration of statement.declarationList.declarations) addBindingNames(declaration.name, facts.declared);
  } else if (
    ts.isFunctionDeclaration(statement) ||
    ts.isClassDeclaration(statement) ||
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) ||
    ts.isEnumDeclaration(statement)
  ) {
    if (statement.name) facts.declared.add(statement.name.text);
    if ((ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && statement.name) facts.declaredTypes.push(statement.name.text);
  }
}

function addBindingNames(name: ts.BindingName, into: Set<string>): void {
  if (ts.isIdentifier(name)) {
    into.add(name.text);
    return;
  }
  for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBindingNames(element.name, into);
}

function shownValueOf(statement: ts.Statement, source: ts.SourceFile, code: string): ShownValue | undefined {
  if (!ts.isExpressionStatement(statement)) return undefined;
  const comment = ts.getTrailingCommentRanges(code, statement.end)?.[0];
  if (!comment || comment.kind !== ts.SyntaxKind.SingleLineCommentTrivia) return undefined;
  const literal = SHOWN_LITERAL.exec(code.slice(comment.pos + 2, comment.end).trim())?.[1];
  if (literal === undefined) return undefined;
  const value = printedValue(statement.expression) ?? statement.expression;
  const start = value.getStart(source);
  return { start, end: value.end, expression: value.getText(source), literal, line: source.getLineAndCharacterOfPosition(start).line };
}

/** The argument of `console.log(x)` (or `.error`, `.warn`, `.info`): the value the comment describes. */
function printedValue(expression: ts.Expression): ts.Expression | undefined {
  if (!ts.isCallExpression(expression) || expression.arguments.length !== 1) return undefined;
  const callee = expression.expression;
  if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression) || callee.expression.text !== 'console') return undefined;
  return ['log', 'error', 'warn', 'info'].includes(callee.name.text) ? expression.arguments[0] : undefined;
}

/**
 * Registries named by the references among `strings` (`ghcr.io/me/app:1.0` → `ghcr.io`): the part
 * before the first `/` when it looks like a registry (has a `.` or a `:`, or is `localhost`).
 * URLs, paths and media types are not references and are left out.
 */
export function registriesNamed(strings: readonly string[]): string[] {
  const found = new Set<string>();
  for (const text of strings) {
    if (text.includes('://') || /\s/.test(text)) continue;
    const slash = text.indexOf('/');
    if (slash <= 0) continue;
    const first = text.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') found.add(first);
  }
  return [...found];
}
