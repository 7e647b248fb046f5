/**
 * Preact's `h` as tagged templates (htm), so the console needs no JSX build step. htm's Preact binding types
 * each template as one node: every template here has one root element.
 */
export { html } from 'htm/preact';
