import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini ships without messages ("Invalid input" for everything); wan's errors quote zod's
// English ones. Importing this module (for its effect) before any schema parses sets them, unless
// the application importing the library already chose a locale: zod's config is global, and, as
// classic zod does, a locale someone set explicitly wins.
if (!config().localeError) config(en());
