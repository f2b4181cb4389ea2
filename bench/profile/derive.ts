/** Profile driver: mnemonic -> m/44'/501'/0'/0' keypair, agentvault vs node:crypto. */
import { deriveSolanaKeypair, generateMnemonic } from '../../src/derivation/index.js';
import * as native from '../native.js';
import { compare, COMPARE, loop, MS } from './common.js';

const mnemonic = generateMnemonic();
const av = () => {
  const k = deriveSolanaKeypair(mnemonic);
  k.seed.dispose();
  k.secretKey.dispose();
};
if (COMPARE) await compare('derive', av, () => void native.deriveKeypair(mnemonic, [44, 501, 0, 0]), 7, 600);
else loop('derive agentvault', MS, () => {
  const k = deriveSolanaKeypair(mnemonic);
  k.seed.dispose();
  k.secretKey.dispose();
});
if (!COMPARE) loop('derive native', MS / 3, () => void native.deriveKeypair(mnemonic, [44, 501, 0, 0]));
