// Evaluate IAM requests offline with @cloud-copilot/iam-simulate.
// stdin:  {"simulations": [<iam-simulate Simulation>, ...]}
// stdout: {"version": "...", "results": [{"decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied",
//           "denials": [...], "grants": [...]} | {"error": {...}}, ...]}
// One process evaluates the whole batch: start-up (loading the IAM data) is most of the cost.
import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package does not export its package.json; read it from node_modules next to this file.
const here = dirname(fileURLToPath(import.meta.url));
const version = JSON.parse(
  readFileSync(join(here, 'node_modules', '@cloud-copilot', 'iam-simulate', 'package.json'), 'utf8'),
).version;

async function evaluate(simulation) {
  try {
    const response = await runSimulation(simulation, {});
    if (response.resultType === 'error') return { error: response.errors };
    const result = response.resultType === 'single' ? response.result : response.results[0];
    const analysis = result?.analysis;
    return {
      decision: response.overallResult,
      denials: analysis ? getDenialReasons(analysis) : [],
      grants: analysis ? getGrantReasons(analysis) : [],
    };
  } catch (err) {
    return { error: { message: String(err?.message ?? err) } };
  }
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const simulation of input.simulations) results.push(await evaluate(simulation));
process.stdout.write(JSON.stringify({ version, results }));
