/** Undo/redo as plain data: the states before (past) and after (future) the present one. */
export interface History<T> {
  past: T[];
  future: T[];
}

export const HISTORY_LIMIT = 100;

export function emptyHistory<T>(): History<T> {
  return { past: [], future: [] };
}

/** Remember `present` before a change; a new change forgets what could be redone. */
export function record<T>(history: History<T>, present: T, limit = HISTORY_LIMIT): History<T> {
  return { past: [...history.past, present].slice(-limit), future: [] };
}

export function undo<T>(history: History<T>, present: T): { history: History<T>; present: T } | null {
  const previous = history.past.at(-1);
  if (previous === undefined) return null;
  return {
    history: { past: history.past.slice(0, -1), future: [present, ...history.future] },
    present: previous,
  };
}

export function redo<T>(history: History<T>, present: T): { history: History<T>; present: T } | null {
  const [next, ...rest] = history.future;
  if (next === undefined) return null;
  return { history: { past: [...history.past, present], future: rest }, present: next };
}
