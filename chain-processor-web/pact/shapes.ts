/**
 * What the UI reads from the API's answers, as Pact matchers: types and formats, never exact
 * values. Only the fields the UI uses are listed, so the API stays free to add others.
 */
import { MatchersV3 } from "@pact-foundation/pact";
import { EXAMPLE } from "./support";

const { boolean, eachLike, integer, like, number, regex, string, uuid } = MatchersV3;

const TIMESTAMP = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})?$";
const SEMVER = "^\\d+\\.\\d+\\.\\d+$";

export function timestamp(example = "2026-11-22T10:00:00.000000Z") {
  return regex(TIMESTAMP, example);
}

export function semver(example = "1.0.0") {
  return regex(SEMVER, example);
}

/** A node as the palette and the node editor read it. */
export function node(id: string = EXAMPLE.nodeId) {
  return {
    id: uuid(id),
    name: string("shout"),
    code: string("def node(input_text: str) -> str:\n    return input_text.upper()\n"),
    is_builtin: boolean(false),
    is_active: boolean(true),
    tags: like(["text"]),
    metadata: like({}),
    current_version: semver(),
    version: integer(1),
    created_at: timestamp(),
    updated_at: timestamp(),
  };
}

/** A step of a saved chain: which node, pinned version, its config and canvas position. */
export function step(nodeId: string = EXAMPLE.nodeId, position = 0) {
  return {
    node_id: uuid(nodeId),
    node_version_id: uuid("5c4b3a29-1807-4f6e-8d5c-4b3a29180706"),
    position: integer(position),
    config: like({}),
    ui: like({ x: number(120), y: number(40) }),
  };
}

/** A chain as the list and the designer read it, steps included. */
export function chain(id: string = EXAMPLE.chainId) {
  return {
    id: uuid(id),
    name: string("shout it"),
    tags: like(["demo"]),
    is_active: boolean(true),
    current_version: semver(),
    version: integer(1),
    created_at: timestamp(),
    updated_at: timestamp(),
    nodes: eachLike(step()),
  };
}

const EXECUTION_STATUS = "^(pending|running|succeeded|failed|cancelled|timed_out)$";

/** An execution as the run panel and the monitor read it. */
export function execution(status: string, id: string = EXAMPLE.executionId) {
  return {
    id: uuid(id),
    strategy_id: uuid(EXAMPLE.chainId),
    strategy_version_id: uuid("2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"),
    strategy_version: semver(),
    input_text: string("hello"),
    status: regex(EXECUTION_STATUS, status),
    priority: integer(0),
    attempts: integer(0),
    created_at: timestamp(),
    created_by_email: string("editor@example.com"),
  };
}

/** One step's result within a run. */
export function nodeExecution(position = 0) {
  return {
    id: uuid("8f7e6d5c-4b3a-4291-8807-f6e5d4c3b2a1"),
    execution_id: uuid(EXAMPLE.executionId),
    node_id: uuid(EXAMPLE.nodeId),
    node_version_id: uuid("5c4b3a29-1807-4f6e-8d5c-4b3a29180706"),
    position: integer(position),
    input_text: string("hello"),
    output_text: string("HELLO"),
    status: regex("^(pending|running|succeeded|failed|skipped|cancelled|timed_out)$", "succeeded"),
    started_at: timestamp(),
    completed_at: timestamp(),
    execution_time_ms: integer(3),
  };
}

export function page<T>(item: T) {
  return { data: eachLike(item), count: integer(1) };
}
