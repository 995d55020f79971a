// The product's name and version, in one place for the CLI, the User-Agent and the plan document.
export const PRODUCT = 'qlik-group-sync';
export const VERSION = '0.1.0';
