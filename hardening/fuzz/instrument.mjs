// Turns the TypeScript sources a fuzz target needs into runnable ES modules, optionally with
// edge-coverage counters. No instrumenting fuzzer on npm runs on Debian 12's glibc (Jazzer.js's
// prebuilt libFuzzer wants glibc 2.38), so the counters are inserted here with the TypeScript
// compiler the workspace already has: one `__cov[id]++` per branch target (function and block
// entry, both arms of if / ?: / && / || / ??, each case, loop bodies, catch), the same signal
// libFuzzer's -fsanitize-coverage=trace-pc-guard gives C code.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const COVERAGE_GLOBAL = '__nvencFuzzCoverage';

/** Relative imports of a module that carry values (type-only imports are erased by the compiler). */
function valueImports(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) && !ts.isExportDeclaration(st)) continue;
    if (!st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const spec = st.moduleSpecifier.text;
    if (!spec.startsWith('.')) continue;
    if (ts.isImportDeclaration(st)) {
      const clause = st.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      if (clause && !clause.name && named && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly))
        continue;
    } else if (st.isTypeOnly) {
      continue;
    }
    out.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

function counterTransformer(points, fileRel) {
  return (context) => {
    const f = context.factory;
    let sf;
    const counter = (node, kind) => {
      const id = points.length;
      const original = ts.getOriginalNode(node);
      const line =
        original.pos >= 0 ? sf.getLineAndCharacterOfPosition(ts.skipTrivia(sf.text, original.pos)).line + 1 : 0;
      points.push({ file: fileRel, line, kind });
      return f.createPostfixIncrement(
        f.createElementAccessExpression(f.createIdentifier('__cov'), f.createNumericLiteral(id)),
      );
    };
    const counted = (expr, kind, at) =>
      f.createParenthesizedExpression(f.createCommaListExpression([counter(at, kind), expr]));
    const countedStatement = (node, kind) => f.createExpressionStatement(counter(node, kind));
    const asBlock = (st, kind) => {
      if (ts.isBlock(st)) return st; // the Block visitor adds its own counter
      return f.createBlock([countedStatement(st, kind), st], true);
    };

    const visit = (node) => {
      if (ts.isBlock(node)) {
        const v = ts.visitEachChild(node, visit, context);
        return f.updateBlock(v, [countedStatement(node, 'block'), ...v.statements]);
      }
      if (ts.isIfStatement(node)) {
        const v = ts.visitEachChild(node, visit, context);
        const thenSt = asBlock(v.thenStatement, 'then');
        // A missing else still is an edge ("condition false"): give it its own counter.
        const elseSt = v.elseStatement
          ? asBlock(v.elseStatement, 'else')
          : f.createBlock([countedStatement(node, 'implicit-else')], true);
        return f.updateIfStatement(v, v.expression, thenSt, elseSt);
      }
      if (
        ts.isForStatement(node) ||
        ts.isForOfStatement(node) ||
        ts.isForInStatement(node) ||
        ts.isWhileStatement(node) ||
        ts.isDoStatement(node)
      ) {
        const v = ts.visitEachChild(node, visit, context);
        const body = asBlock(v.statement, 'loop');
        if (ts.isForStatement(v)) return f.updateForStatement(v, v.initializer, v.condition, v.incrementor, body);
        if (ts.isForOfStatement(v))
          return f.updateForOfStatement(v, v.awaitModifier, v.initializer, v.expression, body);
        if (ts.isForInStatement(v)) return f.updateForInStatement(v, v.initializer, v.expression, body);
        if (ts.isWhileStatement(v)) return f.updateWhileStatement(v, v.expression, body);
        return f.updateDoStatement(v, body, v.expression);
      }
      if (ts.isCaseClause(node) || ts.isDefaultClause(node)) {
        const v = ts.visitEachChild(node, visit, context);
        const stmts = [countedStatement(node, 'case'), ...v.statements];
        return ts.isCaseClause(v) ? f.updateCaseClause(v, v.expression, stmts) : f.updateDefaultClause(v, stmts);
      }
      if (ts.isConditionalExpression(node)) {
        const v = ts.visitEachChild(node, visit, context);
        return f.updateConditionalExpression(
          v,
          v.condition,
          v.questionToken,
          counted(v.whenTrue, 'cond-true', node.whenTrue),
          v.colonToken,
          counted(v.whenFalse, 'cond-false', node.whenFalse),
        );
      }
      if (ts.isBinaryExpression(node)) {
        const op = node.operatorToken.kind;
        if (
          op === ts.SyntaxKind.AmpersandAmpersandToken ||
          op === ts.SyntaxKind.BarBarToken ||
          op === ts.SyntaxKind.QuestionQuestionToken
        ) {
          const v = ts.visitEachChild(node, visit, context);
          return f.updateBinaryExpression(v, v.left, v.operatorToken, counted(v.right, 'logical-right', node.right));
        }
      }
      if (ts.isArrowFunction(node) && !ts.isBlock(node.body)) {
        const v = ts.visitEachChild(node, visit, context);
        return f.updateArrowFunction(
          v,
          v.modifiers,
          v.typeParameters,
          v.parameters,
          v.type,
          v.equalsGreaterThanToken,
          counted(v.body, 'arrow', node.body),
        );
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (sourceFile) => {
      sf = sourceFile;
      const v = ts.visitEachChild(sourceFile, visit, context);
      // Bind the shared counter array once per module (the fuzz engine creates it before importing).
      const decl = f.createVariableStatement(
        undefined,
        f.createVariableDeclarationList(
          [
            f.createVariableDeclaration(
              '__cov',
              undefined,
              undefined,
              f.createElementAccessExpression(f.createIdentifier('globalThis'), f.createStringLiteral(COVERAGE_GLOBAL)),
            ),
          ],
          ts.NodeFlags.Const,
        ),
      );
      return f.updateSourceFile(v, [decl, ...v.statements]);
    };
  };
}

/**
 * Transpiles `entries` (repo-relative .ts paths) and every module they import by value into
 * `outDir`, mirroring the repo layout. Returns { modules: {entry: absolute .js path}, points }.
 * With `instrument`, `points[id]` says where counter `id` sits (file, line, kind).
 */
export function buildModules(entries, outDir, { instrument = true } = {}) {
  const points = [];
  const queue = entries.map((e) => resolve(repoRoot, e));
  const seen = new Set();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!existsSync(file)) throw new Error(`fuzz build: ${file} not found`);
    const text = readFileSync(file, 'utf8');
    const rel = relative(repoRoot, file);
    const result = ts.transpileModule(text, {
      fileName: file,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ES2022,
        sourceMap: false,
        removeComments: true,
      },
      transformers: instrument ? { before: [counterTransformer(points, rel)] } : undefined,
    });
    const out = join(outDir, rel.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, result.outputText);
    queue.push(...valueImports(file, text));
  }
  const modules = Object.fromEntries(entries.map((e) => [e, join(outDir, e.replace(/\.ts$/, '.js'))]));
  if (instrument) writeFileSync(join(outDir, 'coverage-points.json'), JSON.stringify(points));
  return { modules, points };
}
