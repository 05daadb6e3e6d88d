import { health } from './handler.js';

export const handler = health;
