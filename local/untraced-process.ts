/**
 * Imported first by `npm start`, before any handler module loads: locally there is no X-Ray daemon to
 * send traces to, and the X-Ray SDK under Powertools' Tracer would otherwise install, as it loads, an
 * async hook that tracks every promise of the process (a sixth of the local runner's CPU under load).
 * Manual mode skips that hook; the Tracer is switched off so that it never asks for a segment.
 */
process.env.AWS_XRAY_MANUAL_MODE ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
