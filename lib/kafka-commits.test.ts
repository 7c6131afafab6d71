import { describe, expect, test } from "vitest";
import { CommitFollower } from "./kafka-commits";

describe("following consumer groups' commits past tailed records", () => {
  test("each record is reported once per group, when that group's commit passes it", () => {
    const follower = new CommitFollower<string>();
    follower.seen("orders", 0, 10, "a");
    follower.seen("orders", 0, 11, "b");
    follower.seen("orders", 1, 4, "c");
    expect(follower.passedBy("billing", "orders", 0, 10)).toEqual([]);
    expect(follower.passedBy("billing", "orders", 0, 11)).toEqual(["a"]);
    expect(follower.passedBy("billing", "orders", 0, 11)).toEqual([]);
    expect(follower.passedBy("billing", "orders", 0, 12)).toEqual(["b"]);
    // Another group reads the same records for itself.
    expect(follower.passedBy("audit", "orders", 0, 12)).toEqual(["a", "b"]);
    expect(follower.passedBy("billing", "orders", 1, 5)).toEqual(["c"]);
    expect(follower.passedBy("billing", "payments", 0, 100)).toEqual([]);
  });

  test("a commit that goes back reports nothing until it passes new ground", () => {
    const follower = new CommitFollower<number>();
    for (let offset = 0; offset < 5; offset++) follower.seen("t", 0, offset, offset);
    expect(follower.passedBy("g", "t", 0, 3)).toEqual([0, 1, 2]);
    expect(follower.passedBy("g", "t", 0, 1)).toEqual([]);
    expect(follower.passedBy("g", "t", 0, 5)).toEqual([3, 4]);
  });

  test("a partition keeps only its newest records while no commit passes them", () => {
    const follower = new CommitFollower<number>(3);
    for (let offset = 0; offset < 6; offset++) follower.seen("t", 0, offset, offset);
    expect(follower.passedBy("g", "t", 0, 6)).toEqual([3, 4, 5]);
  });
});
