/**
 * The Keel console: a small Preact app that reads and acts on sessions through Keel's HTTP API only. Views are
 * chosen by the URL's hash (`#/`, `#/new`, `#/cost`, `#/sessions/<id>`), so any view can be bookmarked and the
 * server needs no routes of its own for them.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { CostView } from './cost-view';
import { SessionList } from './session-list';
import { SessionPage } from './session-page';
import { StartForm } from './start-form';
import { TokenForm } from './token-form';
import './styles.css';

type Route = { view: 'list' } | { view: 'new' } | { view: 'cost' } | { view: 'session'; id: string };

function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const session = /^\/sessions\/(.+)$/.exec(path);
  if (session) return { view: 'session', id: decodeURIComponent(session[1]!) };
  if (path === '/new') return { view: 'new' };
  if (path === '/cost') return { view: 'cost' };
  return { view: 'list' };
}

const titles: Record<Route['view'], string> = { list: 'Sessions', new: 'New session', cost: 'Cost', session: 'Session' };

function App() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  // Bumped when the token changes, so that every view reads again with it.
  const [tokenVersion, setTokenVersion] = useState(0);
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.title = `${route.view === 'session' ? route.id : titles[route.view]} · Keel console`;
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route]);

  const link = (href: string, label: string, active: boolean) => (
    <a href={href} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <a class="skip-link" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Keel</span>
        <nav aria-label="Views">
          {link('#/', 'Sessions', route.view === 'list' || route.view === 'session')}
          {link('#/new', 'New session', route.view === 'new')}
          {link('#/cost', 'Cost', route.view === 'cost')}
        </nav>
        <TokenForm onChange={() => setTokenVersion((version) => version + 1)} />
      </header>
      <main id="main" tabIndex={-1} key={tokenVersion}>
        {route.view === 'list' && <SessionList />}
        {route.view === 'new' && <StartForm />}
        {route.view === 'cost' && <CostView />}
        {route.view === 'session' && <SessionPage key={route.id} id={route.id} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
