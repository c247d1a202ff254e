/** The key `wan --sandbox` sends to its in-process sandbox: a real key is never sent there. */
export const SANDBOX_KEY = 'sk-sandbox';
