import { createHealthHandler } from './handler.js';

export const handler = createHealthHandler();
