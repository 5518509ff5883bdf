import { emptyHistory, record, redo, undo } from "./history";

describe("history", () => {
  it("undoes and redoes in order", () => {
    let history = record(record(emptyHistory<number>(), 1), 2);
    const first = undo(history, 3)!;
    expect(first.present).toBe(2);
    history = first.history;
    const second = undo(history, first.present)!;
    expect(second.present).toBe(1);
    const again = redo(second.history, second.present)!;
    expect(again.present).toBe(2);
    expect(again.history).toEqual({ past: [1], future: [3] });
  });

  it("has nothing to undo or redo at the ends", () => {
    expect(undo(emptyHistory<number>(), 1)).toBeNull();
    expect(redo(emptyHistory<number>(), 1)).toBeNull();
  });

  it("forgets the future on a new change and keeps at most the limit", () => {
    const undone = undo(record(emptyHistory<number>(), 1), 2)!;
    expect(record(undone.history, 5).future).toEqual([]);
    let history = emptyHistory<number>();
    for (let value = 0; value < 5; value += 1) history = record(history, value, 3);
    expect(history.past).toEqual([2, 3, 4]);
  });
});
