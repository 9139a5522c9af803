/** Reads from the API now and every `intervalMs` while the view is shown; the latest answer or error. */
import { useCallback, useEffect, useState } from 'preact/hooks';

export function usePolling<T>(read: () => Promise<T>, intervalMs: number, dependencies: unknown[] = []): { data: T | undefined; error: Error | undefined; refresh: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((value) => value + 1), []);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const answer = await read();
        if (!stopped) {
          setData(answer);
          setError(undefined);
        }
      } catch (caught) {
        if (!stopped) setError(caught as Error);
      }
      if (!stopped && intervalMs > 0) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [tick, ...dependencies]);
  return { data, error, refresh };
}
