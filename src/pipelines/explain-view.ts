/** What `leadscore explain` needs to print an explanation: band colours and the factors' names, from their owners. */
export { bandColour, colourNamed, paintBand } from '../schema/palette.ts';
export { factorLabel } from '../features/index.ts';
