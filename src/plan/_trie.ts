/**
 * The prefix trie of one model (internal). Requests that share their first k segment keys share
 * a path of length k. A unique tail is stored as a `Tail` (the request index) instead of a chain of
 * nodes, and only expanded when a second request arrives, so a job of unique requests costs one
 * small object per request.
 */

/** A node: the prefix of `depth` segments shared by `count` requests. */
export interface TrieNode {
  /** Sequential id, unique within the plan. */
  id: number;
  key: string;
  depth: number;
  parent: TrieNode | undefined;
  children: Map<string, TrieNode | Tail>;
  /** Requests whose path passes through or ends at this node. */
  count: number;
  /** Requests whose path ends exactly here. */
  ends: number[];
  /** One request through this node, to read the segment from. */
  representative: number;
  /** Requests through this node that carry a user marker on this segment, by TTL. */
  userMarked: { "5m": number; "1h": number };
  /** First and one-past-last index of this node's requests in depth-first order. */
  range: [number, number];
}

/** The rest of one request's path below a node, not yet shared with any other request. */
export interface Tail {
  tail: true;
  request: number;
}

export function isTail(entry: TrieNode | Tail): entry is Tail {
  return (entry as Tail).tail === true;
}

/** What the trie needs to know of each request. */
export interface TrieRequest {
  keys: readonly string[];
  /** TTL of a user marker per segment index (null where none). */
  markers: readonly ("5m" | "1h" | null)[];
}

export class PrefixTrie {
  readonly root: TrieNode;
  readonly #requests: readonly TrieRequest[];
  #nextId: number;

  constructor(requests: readonly TrieRequest[], firstId: number) {
    this.#requests = requests;
    this.#nextId = firstId;
    this.root = this.#node("", 0, undefined, -1);
  }

  get nextId(): number {
    return this.#nextId;
  }

  #node(
    key: string,
    depth: number,
    parent: TrieNode | undefined,
    representative: number,
  ): TrieNode {
    return {
      id: this.#nextId++,
      key,
      depth,
      parent,
      children: new Map(),
      count: 0,
      ends: [],
      representative,
      userMarked: { "5m": 0, "1h": 0 },
      range: [0, 0],
    };
  }

  #pass(node: TrieNode, request: number): void {
    node.count += 1;
    const marker = node.depth > 0 ? this.#requests[request]!.markers[node.depth - 1] : null;
    if (marker) node.userMarked[marker] += 1;
  }

  /** Adds request `index` (its keys must already be in the request list given to the constructor). */
  insert(index: number): void {
    const { keys } = this.#requests[index]!;
    let node = this.root;
    this.#pass(node, index);
    if (node.representative < 0) node.representative = index;
    for (let d = 0; d < keys.length; d++) {
      const key = keys[d]!;
      let child = node.children.get(key);
      if (child === undefined) {
        node.children.set(key, { tail: true, request: index });
        return;
      }
      if (isTail(child)) {
        // A second request arrives: expand the tail by one node and push the old request down.
        const other = child.request;
        const expanded = this.#node(key, d + 1, node, other);
        this.#pass(expanded, other);
        const otherKeys = this.#requests[other]!.keys;
        if (otherKeys.length > d + 1) {
          expanded.children.set(otherKeys[d + 1]!, { tail: true, request: other });
        } else {
          expanded.ends.push(other);
        }
        node.children.set(key, expanded);
        child = expanded;
      }
      this.#pass(child, index);
      node = child;
    }
    node.ends.push(index);
  }

  /**
   * Depth-first order of requests (ends first, then children in order of first appearance): the
   * order that keeps every shared prefix contiguous. Also fills each node's `range`.
   */
  depthFirst(): number[] {
    const order: number[] = [];
    const visit = (node: TrieNode) => {
      node.range[0] = order.length;
      for (const end of node.ends) order.push(end);
      for (const child of node.children.values()) {
        if (isTail(child)) order.push(child.request);
        else visit(child);
      }
      node.range[1] = order.length;
    };
    // Iterative would avoid deep recursion; trie depth is bounded by segments per request.
    visit(this.root);
    return order;
  }

  /** Every node below the root, parents before children. */
  *nodes(): Generator<TrieNode> {
    const stack: TrieNode[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node !== this.root) yield node;
      const children = [...node.children.values()].filter((c): c is TrieNode => !isTail(c));
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
}
