import { render } from 'preact';
import { useState } from 'preact/hooks';
import { Link, navigate, searchPath, useLocation } from './router.tsx';
import { LogPage, SearchPage } from './pages/log.tsx';
import { EntryPage } from './pages/entry.tsx';
import { RunPage, RunsPage } from './pages/runs.tsx';
import { DiffPage } from './pages/provenance.tsx';
import { ImagePage } from './pages/image.tsx';

function SearchBox(p: { initial: string }) {
  const [q, setQ] = useState(p.initial);
  return (
    <form
      role="search"
      class="searchbox"
      onSubmit={(e) => {
        e.preventDefault();
        if (q.trim()) navigate(searchPath(q.trim()));
      }}
    >
      <label for="q" class="visually-hidden">
        Search the log
      </label>
      <input
        id="q"
        name="q"
        value={q}
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        placeholder="sha256 digest, UUID, log index, email, identity URI or public key"
        autocomplete="off"
        spellcheck={false}
      />
      <button type="submit">Search</button>
    </form>
  );
}

/** A path segment decoded, or null when its %-escapes are malformed (a hand-made or hostile link). */
function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function Page(p: { url: URL }) {
  const path = p.url.pathname;
  const raw = path.split('/').slice(1).map(decoded);
  if (raw.includes(null)) return <p role="alert">No such page: the address is not valid.</p>;
  const parts = raw as string[];
  if (path === '/' || path === '/log') return <LogPage end={p.url.searchParams.get('end')} />;
  if (parts[0] === 'log' && parts[1] === 'entries' && parts[2]) return <EntryPage uuid={parts[2]} />;
  if (path === '/search') return <SearchPage q={p.url.searchParams.get('q') ?? ''} />;
  if (path === '/runs')
    return (
      <RunsPage
        namespace={p.url.searchParams.get('namespace') ?? ''}
        status={p.url.searchParams.get('status') ?? ''}
      />
    );
  if (parts[0] === 'runs' && parts.length === 3)
    return <RunPage namespace={parts[1] ?? ''} name={parts[2] ?? ''} />;
  if (parts[0] === 'images' && parts[1]) return <ImagePage reference={parts.slice(1).join('/')} />;
  if (path === '/diff')
    return <DiffPage a={p.url.searchParams.get('a') ?? ''} b={p.url.searchParams.get('b') ?? ''} />;
  return <p role="alert">No such page.</p>;
}

function App() {
  const url = useLocation();
  const section = url.pathname.split('/')[1] ?? '';
  return (
    <>
      <header>
        <nav aria-label="Sections">
          <Link to="/log" class="brand">
            Chains console
          </Link>
          <Link to="/log" class={section === 'log' || section === '' ? 'current' : ''}>
            Log
          </Link>
          <Link to="/runs" class={section === 'runs' ? 'current' : ''}>
            Runs
          </Link>
        </nav>
        <SearchBox
          key={url.search}
          initial={url.pathname === '/search' ? (url.searchParams.get('q') ?? '') : ''}
        />
      </header>
      <main id="main">
        <Page key={url.pathname + url.search} url={url} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
