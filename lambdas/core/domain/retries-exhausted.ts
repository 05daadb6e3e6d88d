/** The error recorded on a send that used up its deliveries (dead-lettered or swept too often). */
export const RETRIES_EXHAUSTED = { code: 'RetriesExhausted', message: 'retries exhausted' } as const;
