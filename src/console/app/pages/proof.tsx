interface Step {
  side: 'left' | 'right';
  sibling: string;
  result: string;
}

const W = 760;
const ROW = 54;
const BOX_W = 230;
const BOX_H = 34;
const short = (h: string): string => `${h.slice(0, 16)}…`;

function Box(p: { x: number; y: number; label: string; hash: string; cls: string }) {
  return (
    <g class={p.cls}>
      <title>{`${p.label}: ${p.hash}`}</title>
      <rect x={p.x - BOX_W / 2} y={p.y - BOX_H / 2} width={BOX_W} height={BOX_H} rx={5} />
      <text x={p.x} y={p.y - 3} text-anchor="middle" class="label">
        {p.label}
      </text>
      <text x={p.x} y={p.y + 11} text-anchor="middle" class="mono">
        {short(p.hash)}
      </text>
    </g>
  );
}

/** The inclusion proof drawn as the path up the tree: leaf at the bottom, each sibling beside, root on top. */
export function ProofPath(p: {
  index: number;
  size: number;
  leaf: string;
  root: string;
  steps: Step[];
  hashes: string[];
  ok: boolean;
}) {
  if (p.steps.length === 0 && p.hashes.length > 0)
    return (
      <ol class="proof-list" aria-label="Proof hashes (the path was not computed)">
        {p.hashes.map((h, i) => (
          <li key={i}>
            <code class="hash">{h}</code>
          </li>
        ))}
      </ol>
    );
  const n = p.steps.length;
  const H = (n + 2) * ROW + 10;
  const cx = W / 2;
  const y = (row: number): number => H - 30 - row * ROW;
  const last = p.steps[n - 1]?.result ?? p.leaf;
  return (
    <figure class="proof">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        role="img"
        aria-label={`Path from leaf ${p.index} up to the root of a tree of ${p.size}: ${n} sibling hashes`}
      >
        {p.steps.map((s, i) => (
          <g key={i}>
            <line x1={cx} y1={y(i)} x2={cx} y2={y(i + 1)} class="edge" />
            <line x1={s.side === 'left' ? cx - 250 : cx + 250} y1={y(i)} x2={cx} y2={y(i + 1)} class="edge" />
            <Box
              x={s.side === 'left' ? cx - 250 : cx + 250}
              y={y(i)}
              label={`sibling ${i + 1} (${s.side})`}
              hash={s.sibling}
              cls="sibling"
            />
          </g>
        ))}
        <line x1={cx} y1={y(n)} x2={cx} y2={y(n + 1)} class={p.ok ? 'edge' : 'edge broken'} />
        <Box x={cx} y={y(0)} label={`leaf ${p.index}`} hash={p.leaf} cls="leaf" />
        {p.steps.map((s, i) => (
          <Box
            key={i}
            x={cx}
            y={y(i + 1)}
            label={i === n - 1 ? 'computed root' : `node, level ${i + 1}`}
            hash={s.result}
            cls="node"
          />
        ))}
        <Box
          x={cx}
          y={y(n + 1)}
          label={p.ok ? 'checkpoint root ✓ matches' : 'checkpoint root ✗ differs'}
          hash={p.root}
          cls={p.ok ? 'root ok' : 'root bad'}
        />
      </svg>
      <figcaption>
        Leaf {p.index} of {p.size}: {n} hashes up to{' '}
        {last === p.root ? 'the checkpoint root' : 'a root that is not the checkpoint root'}.
      </figcaption>
    </figure>
  );
}
