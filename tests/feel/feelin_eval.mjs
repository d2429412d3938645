// Evaluates FEEL cases with feelin (bpmn.io's FEEL interpreter), the reference engine of
// tests/feel. stdin: {"cases": [{"expression": "...", "context": {...}}, ...]}
// stdout: [{"value": <JSON>} | {"error": "..."}] in the same order; one process for all cases.
//
// feelin lacks a few functions Camunda registers; they are shimmed below with feel-scala's and
// the connectors runtime's semantics (see docs/feel.md, "Reference engine shims").
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'js', 'package.json'));
const { evaluate } = await import(require.resolve('feelin'));

const isContext = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

const shims = {
  'is defined': (value) => value !== null && value !== undefined,
  'get or else': (value, fallback) => (value === null || value === undefined ? fallback : value),
  'to json': (value) => JSON.stringify(value ?? null),
  'from json': (text) => { try { return JSON.parse(text); } catch { return null; } },
  'put all': (...contexts) => Object.assign({}, ...contexts),
  bpmnError: (errorCode, errorMessage, variables) => {
    const result = { errorType: 'bpmnError', errorCode };
    if (errorMessage !== undefined || variables !== undefined) result.errorMessage = errorMessage;
    if (variables !== undefined) result.variables = variables;
    return result;
  },
  jobError: (errorMessage, variables, retries, retryBackoff) => ({
    errorType: 'jobError',
    errorMessage,
    variables: variables ?? {},
    retries: retries ?? 0,
    retryBackoff: retryBackoff ?? 'PT0S',
  }),
  ignoreError: (variables) =>
    (isContext(variables) ? { errorType: 'ignoreError', variables } : { errorType: 'ignoreError' }),
};

// feelin does not parse `backtick names` after a dot; it resolves the bare name from the context
const withoutBackticks = (text) =>
  text.replace(/("(?:[^"\\]|\\.)*")|`([^`]*)`/g, (match, string, name) => string ?? name);

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { cases } = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const results = cases.map(({ expression, context }) => {
  try {
    const { value } = evaluate(withoutBackticks(expression), { ...shims, ...context });
    return { value: typeof value === 'function' ? null : (value ?? null) };
  } catch (error) {
    return { error: String(error && error.message) };
  }
});
process.stdout.write(JSON.stringify(results));
