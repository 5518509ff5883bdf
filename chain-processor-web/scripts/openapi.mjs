// Dump the API's OpenAPI schema to openapi.json for `openapi-ts`.
// FastAPI's default operation ids end with the path and method
// (`read_users_api_v1_users_get`); they are cut back to the handler's name (`read_users`) so
// the generated functions read `readUsers`. Ids without that suffix are kept as they are.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const python = process.env.PYTHON ?? `${root}../.venv/bin/python`;
const code =
  "import json; from chain_processor_api.main import create_app; print(json.dumps(create_app().openapi()))";
const schema = JSON.parse(execFileSync(python, ["-c", code], { cwd: root, encoding: "utf8" }));

for (const [path, operations] of Object.entries(schema.paths)) {
  for (const [method, operation] of Object.entries(operations)) {
    const suffix = `${path.replace(/\W/g, "_")}_${method}`;
    const id = operation.operationId;
    if (typeof id === "string" && id.endsWith(suffix) && id.length > suffix.length) {
      operation.operationId = id.slice(0, -suffix.length);
    }
  }
}
writeFileSync(`${root}openapi.json`, `${JSON.stringify(schema, null, 2)}\n`);
