/**
 * A prefix trie over segment keys (internal), one per model: a node is a prefix shared by
 * `count` requests; its children keep the order in which requests first reached them, so a
 * depth-first walk lists each shared prefix's requests contiguously and is deterministic.
 */

export interface OANode {
  id: number;
  depth: number;
  key: string;
  parent: OANode | undefined;
  children: Map<string, OANode>;
  /** Requests through this node (local indices), in insertion order. */
  requests: number[];
  /** Requests whose path ends here. */
  ends: number[];
  /** Estimated tokens of the prefix up to this node, once counted. */
  tokens: number;
}

export class OATrie {
  readonly root: OANode;
  #nextId = 1;

  constructor() {
    this.root = {
      id: 0,
      depth: 0,
      key: "",
      parent: undefined,
      children: new Map(),
      requests: [],
      ends: [],
      tokens: 0,
    };
  }

  /** Adds a request's path of keys. */
  insert(local: number, keys: readonly string[]): void {
    let node = this.root;
    node.requests.push(local);
    for (const key of keys) {
      let child = node.children.get(key);
      if (child === undefined) {
        child = {
          id: this.#nextId++,
          depth: node.depth + 1,
          key,
          parent: node,
          children: new Map(),
          requests: [],
          ends: [],
          tokens: 0,
        };
        node.children.set(key, child);
      }
      child.requests.push(local);
      node = child;
    }
    node.ends.push(local);
  }

  /** Every node below the root, pre-order. */
  *nodes(): Generator<OANode> {
    const stack = [...this.root.children.values()].reverse();
    while (stack.length > 0) {
      const node = stack.pop()!;
      yield node;
      stack.push(...[...node.children.values()].reverse());
    }
  }

  /** Requests in depth-first order: those ending at a node first, then each child's. */
  depthFirst(): number[] {
    const out: number[] = [];
    const stack: OANode[] = [this.root];
    // Iterative to bound the stack on long paths.
    while (stack.length > 0) {
      const node = stack.pop()!;
      out.push(...node.ends);
      stack.push(...[...node.children.values()].reverse());
    }
    return out;
  }
}
