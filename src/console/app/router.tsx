import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Client-side routing over real addresses: every page has a URL that works on reload (the server sends the shell). */
const listeners = new Set<() => void>();

export function navigate(to: string): void {
  history.pushState(null, '', to);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const l = (): void => setUrl(new URL(location.href));
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return url;
}

/** An internal link: `to` is always a path this app built (never a URL taken from data). */
export function Link(p: { to: string; children: ComponentChildren; class?: string }) {
  const safe = p.to.startsWith('/') && !p.to.startsWith('//') ? p.to : '/';
  return (
    <a
      href={safe}
      class={p.class}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(safe);
      }}
    >
      {p.children}
    </a>
  );
}

export const entryPath = (uuid: string): string => `/log/entries/${encodeURIComponent(uuid)}`;
export const searchPath = (q: string | number): string => `/search?q=${encodeURIComponent(String(q))}`;
export const runPath = (ns: string, name: string): string =>
  `/runs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
export const imagePath = (ref: string): string => `/images/${encodeURIComponent(ref)}`;
