/** The API token field: kept in sessionStorage for this tab; empty on a loopback server without KEEL_API_TOKENS. */
import { useState } from 'preact/hooks';
import { storedToken, storeToken } from './api';

export function TokenForm({ onChange }: { onChange: () => void }) {
  const [value, setValue] = useState(storedToken);
  const [saved, setSaved] = useState(storedToken() !== '');
  return (
    <form
      class="token-form"
      aria-label="API access"
      onSubmit={(event) => {
        event.preventDefault();
        storeToken(value.trim());
        setSaved(value.trim() !== '');
        onChange();
      }}
    >
      <label for="api-token">API token</label>
      <input id="api-token" name="token" type="password" autocomplete="off" value={value} onInput={(event) => setValue(event.currentTarget.value)} placeholder={saved ? '' : 'none'} />
      <button type="submit">{saved ? 'Change' : 'Use'}</button>
    </form>
  );
}
