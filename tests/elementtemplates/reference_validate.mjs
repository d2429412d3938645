// Reference verdicts from the Modeler's own validator (@bpmn-io/element-templates-validator).
// Reads a JSON array of candidate templates from stdin and writes one JSON line per candidate:
// {"valid": bool, "errors": [{"path", "keyword", "message"}]} (errors filtered as the Modeler does).
import { createRequire } from 'node:module';

// The pinned packages live in tests/js/node_modules, next to this folder.
const require = createRequire(new URL('../js/package.json', import.meta.url));
const { validateZeebe } = require('@bpmn-io/element-templates-validator');

function relevant(error) {
  // The Modeler only reports custom messages and plain type errors (outside scopes).
  if (error.keyword === 'errorMessage') return true;
  return error.keyword === 'type' && error.instancePath && !error.instancePath.startsWith('/scopes/');
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const candidates = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const out = candidates.map((candidate) => {
  const result = validateZeebe(candidate);
  const errors = (result.errors || []).map((e) => ({
    path: e.instancePath ?? '',
    keyword: e.keyword ?? 'parse',
    message: e.message,
    relevant: relevant(e),
  }));
  return JSON.stringify({ valid: result.valid, errors });
});
process.stdout.write(out.join('\n') + '\n');
