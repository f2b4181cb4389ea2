#!/usr/bin/env python3
"""Policy v2 vectors (SPEC 10.3.5-10.3.7), independent of the library: every expected normalized
form is written here by hand from the SPEC rules, serialized with json.dumps(sort_keys=True,
separators=(',', ':')) (RFC 8785 for this ASCII, integer-only domain) and hashed with hashlib.
The expected summaries are written by hand from SPEC 10.3.7.
Usage: python3 scripts/gen-policy-v2-vectors.py > vectors/policy-v2.json (keeps other parts of the file)."""
import hashlib, json, os, sys

WSOL = 'So11111111111111111111111111111111111111112'
USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'
USDT = 'Es9vMFrzaCERmJfrF4H2FYD3KNfqA2ZrBh5Yk1LvNs1T'
JUP = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4'
DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH'
DEST = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM'
SYSTEM = '11111111111111111111111111111111'
TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'
TOKEN22 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'
ATA = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL'
CB = 'ComputeBudget111111111111111111111111111111'
IDL = 'ab' * 32

def canon(x):
    return json.dumps(x, sort_keys=True, separators=(',', ':'), ensure_ascii=False)

BASE = {'allowSignMessage': False, 'budgets': [], 'enabled': True, 'killSwitch': False, 'maxPriorityFeeLamports': '0', 'programs': [], 'v': 2, 'window': {}}

def norm(**kw):
    out = dict(BASE)
    out.update(kw)
    return out

valid = []
def V(name, policy, normalized, summary):
    c = canon(normalized)
    valid.append({'name': name, 'policy': policy, 'canonical': c, 'hash': hashlib.sha256(c.encode()).hexdigest(), 'summary': summary})

V('minimal: defaults filled in, nothing allowed',
  {'v': 2, 'enabled': True, 'killSwitch': False, 'programs': []},
  norm(),
  'no programs.')

V('spot: pairs sorted and de-duplicated, amounts canonical',
  {'v': 2, 'enabled': True, 'killSwitch': False, 'maxPriorityFeeLamports': '0010000',
   'spot': {'pairs': [{'outputMint': WSOL, 'inputMint': USDC}, {'inputMint': WSOL, 'outputMint': USDC}, {'inputMint': USDC, 'outputMint': WSOL}],
            'maxInput': {WSOL: '1000000000', USDC: '000250000000'}, 'maxSlippageBps': 50},
   'programs': [{'program': CB, 'native': 'compute-budget', 'instructions': ['SetComputeUnitPrice', 'SetComputeUnitLimit', 'SetComputeUnitPrice']}]},
  norm(maxPriorityFeeLamports='10000',
       spot={'pairs': [{'inputMint': USDC, 'outputMint': WSOL}, {'inputMint': WSOL, 'outputMint': USDC}],
             'maxInput': {USDC: '250000000', WSOL: '1000000000'}, 'maxSlippageBps': 50},
       programs=[{'program': CB, 'native': 'compute-budget', 'instructions': ['SetComputeUnitLimit', 'SetComputeUnitPrice']}]),
  'swaps USDC to wSOL, wSOL to USDC, max in 250000000 USDC, 1000000000 wSOL, slippage max 50 bps; priority fee max 10000 lamports; programs ComputeBudget SetComputeUnitLimit/SetComputeUnitPrice.')

V('transfers, wrapSol and the System program (programs sorted by id)',
  {'v': 2, 'enabled': True, 'killSwitch': False,
   'transfers': {'maxAmount': {USDC: '10000000'}, 'destinations': [DEST, DEST]},
   'wrapSol': {'maxLamports': '1000000000'},
   'programs': [{'program': TOKEN, 'native': 'spl-token', 'instructions': ['TransferChecked', 'SyncNative']},
                {'program': SYSTEM, 'native': 'system', 'instructions': ['Transfer']},
                {'program': ATA, 'native': 'associated-token', 'instructions': ['CreateIdempotent']}]},
  norm(transfers={'maxAmount': {USDC: '10000000'}, 'destinations': [DEST]},
       wrapSol={'maxLamports': '1000000000'},
       programs=[{'program': SYSTEM, 'native': 'system', 'instructions': ['Transfer']},
                 {'program': ATA, 'native': 'associated-token', 'instructions': ['CreateIdempotent']},
                 {'program': TOKEN, 'native': 'spl-token', 'instructions': ['SyncNative', 'TransferChecked']}]),
  'transfers max 10000000 USDC to agent or 9WzDXw..YtAWWM; wrap SOL max 1000000000 lamports; programs System Transfer, ATA CreateIdempotent, Token SyncNative/TransferChecked.')

args = [{'path': 'slippageBps', 'oneOf': ['50', '0', '10', '0']}, {'path': 'inAmount', 'atMost': {'order': 'inputAmount'}}, {'path': 'platformFeeBps', 'eq': '0'}, {'path': 'quotedOutAmount', 'atLeast': '1'}, {'path': 'route.0.swap', 'eq': None}]
accounts = [{'account': 'userTransferAuthority', 'is': 'agent'}, {'account': 'userDestinationTokenAccount', 'agentAta': {'order': 'outputMint'}}, {'account': 'destinationMint', 'oneOf': [WSOL, USDC]}]
nargs = [{'path': 'slippageBps', 'oneOf': ['0', '10', '50']}, {'path': 'inAmount', 'atMost': {'order': 'inputAmount'}}, {'path': 'platformFeeBps', 'eq': '0'}, {'path': 'quotedOutAmount', 'atLeast': '1'}, {'path': 'route.0.swap', 'eq': None}]
naccounts = [{'account': 'userTransferAuthority', 'is': 'agent'}, {'account': 'userDestinationTokenAccount', 'agentAta': {'order': 'outputMint'}}, {'account': 'destinationMint', 'oneOf': [USDC, WSOL]}]
nargs.sort(key=canon)
naccounts.sort(key=canon)
V('anchor program rule: constraint lists sorted by canonical JSON, oneOf sets, null values',
  {'v': 2, 'enabled': True, 'killSwitch': False,
   'spot': {'pairs': [{'inputMint': WSOL, 'outputMint': USDC}], 'maxInput': {WSOL: '5000000000'}, 'maxSlippageBps': 100},
   'programs': [{'program': JUP, 'name': 'Jupiter v6', 'idlSha256': IDL,
                 'instructions': {'sharedAccountsRoute': {'for': ['swap', 'any', 'swap']}, 'route': {'for': ['swap'], 'args': args, 'accounts': accounts}}}]},
  norm(spot={'pairs': [{'inputMint': WSOL, 'outputMint': USDC}], 'maxInput': {WSOL: '5000000000'}, 'maxSlippageBps': 100},
       programs=[{'program': JUP, 'name': 'Jupiter v6', 'idlSha256': IDL,
                  'instructions': {'route': {'for': ['swap'], 'args': nargs, 'accounts': naccounts},
                                   'sharedAccountsRoute': {'for': ['any', 'swap'], 'args': [], 'accounts': []}}}]),
  'swaps wSOL to USDC, max in 5000000000 wSOL, slippage max 100 bps; programs Jupiter v6 JUP6Lk..yVTaV4 route/sharedAccountsRoute.')

V('perps, window, signMessage, kill switch and budgets (budgets sorted by canonical JSON)',
  {'v': 2, 'enabled': False, 'killSwitch': True, 'allowSignMessage': True,
   'window': {'notBefore': '2025-01-01T00:00:00.000Z', 'timeOfDayUtc': {'start': '22:00', 'end': '06:00'}},
   'perps': {'markets': ['SOL-PERP', 'BTC-PERP', 'SOL-PERP'], 'orderTypes': ['market', 'cancel'], 'maxLeverage': '2.50', 'maxPositionNotional': '010000', 'maxSlippageBps': 30, 'dailyLossLimit': '0'},
   'programs': [{'program': DRIFT, 'name': 'Drift', 'idlSha256': IDL, 'instructions': {'placePerpOrder': {'for': ['perp'], 'args': [{'path': 'params.marketIndex', 'eq': {'order': 'market', 'map': {'SOL-PERP': '0', 'BTC-PERP': '1'}}}]}, 'cancelOrder': {'for': ['cancel']}}}],
   'budgets': [{'scope': 'wallet', 'windowSeconds': 86400, 'unit': 'feeLamports', 'limit': '5000000'},
               {'scope': 'grant', 'windowSeconds': 3600, 'unit': 'signatures', 'limit': '50'},
               {'scope': 'grant', 'windowSeconds': 90, 'unit': 'token', 'mint': USDC, 'limit': '100'},
               {'scope': 'grant', 'windowSeconds': 600, 'unit': 'quoteNotional', 'limit': '2500.500'}]},
  norm(enabled=False, killSwitch=True, allowSignMessage=True,
       window={'notBefore': '2025-01-01T00:00:00Z', 'timeOfDayUtc': {'start': '22:00', 'end': '06:00'}},
       perps={'markets': ['BTC-PERP', 'SOL-PERP'], 'orderTypes': ['cancel', 'market'], 'maxLeverage': '2.5', 'maxPositionNotional': '10000', 'maxSlippageBps': 30, 'dailyLossLimit': '0'},
       programs=[{'program': DRIFT, 'name': 'Drift', 'idlSha256': IDL, 'instructions': {
           'cancelOrder': {'for': ['cancel'], 'args': [], 'accounts': []},
           'placePerpOrder': {'for': ['perp'], 'args': [{'path': 'params.marketIndex', 'eq': {'order': 'market', 'map': {'BTC-PERP': '1', 'SOL-PERP': '0'}}}], 'accounts': []}}}],
       budgets=sorted([{'scope': 'wallet', 'windowSeconds': 86400, 'unit': 'feeLamports', 'limit': '5000000'},
                       {'scope': 'grant', 'windowSeconds': 3600, 'unit': 'signatures', 'limit': '50'},
                       {'scope': 'grant', 'windowSeconds': 90, 'unit': 'token', 'mint': USDC, 'limit': '100'},
                       {'scope': 'grant', 'windowSeconds': 600, 'unit': 'quoteNotional', 'limit': '2500.5'}], key=canon)),
  # In full this text is 430 characters: SPEC 10.3.7 cuts the longest list shown (budgets, 4) twice.
  'disabled; kill switch on; perps BTC-PERP, SOL-PERP: cancel/market orders, leverage max 2.5, position max 10000, slippage max 30 bps, daily loss limit 0; may sign messages (unchecked by v2 rules); window from 2025-01-01T00:00:00Z daily 22:00-06:00 UTC; programs Drift dRifty..cn33UH cancelOrder/placePerpOrder; budgets 100 USDC out/90s/grant, 2500.5 quote notional/10m/grant and 2 more budgets.')

invalid = []
def I(name, policy, code, field=None):
    e = {'name': name, 'policy': policy, 'code': code}
    if field is not None:
        e['field'] = field
    invalid.append(e)

M = {'v': 2, 'enabled': True, 'killSwitch': False, 'programs': []}
def m(**kw):
    out = dict(M)
    out.update(kw)
    return out
I('unknown top-level field', m(maxLeverage='3'), 'UNSUPPORTED_VERSION', 'policy.v')
I('unknown top-level field (not a v1 one)', m(limits={}), 'POLICY_INVALID', 'policy.limits')
I('unknown version 3', dict(M, v=3), 'UNSUPPORTED_VERSION')
I('programs missing', {'v': 2, 'enabled': True, 'killSwitch': False}, 'POLICY_INVALID', 'policy.programs')
I('unknown field in spot', m(spot={'pairs': [{'inputMint': WSOL, 'outputMint': USDC}], 'maxInput': {WSOL: '1'}, 'maxSlippageBps': 1, 'maxOutput': {}}), 'POLICY_INVALID', 'policy.spot.maxOutput')
I('unknown field in a pair', m(spot={'pairs': [{'inputMint': WSOL, 'outputMint': USDC, 'via': USDT}], 'maxInput': {WSOL: '1'}, 'maxSlippageBps': 1}), 'POLICY_INVALID', 'policy.spot.pairs[0].via')
I('swap input mint without a cap', m(spot={'pairs': [{'inputMint': WSOL, 'outputMint': USDC}], 'maxInput': {USDC: '1'}, 'maxSlippageBps': 1}), 'POLICY_INVALID', 'policy.spot.maxInput.' + WSOL)
I('amount as a JSON number', m(transfers={'maxAmount': {USDC: 5}, 'destinations': []}), 'POLICY_INVALID', 'policy.transfers.maxAmount.' + USDC)
I('amount above u64', m(wrapSol={'maxLamports': '18446744073709551616'}), 'POLICY_INVALID', 'policy.wrapSol.maxLamports')
I('System program without wrapSol', m(programs=[{'program': SYSTEM, 'native': 'system', 'instructions': ['Transfer']}]), 'POLICY_INVALID', 'policy.programs[0].native')
I('System instruction other than Transfer', m(wrapSol={'maxLamports': '1'}, programs=[{'program': SYSTEM, 'native': 'system', 'instructions': ['Assign']}]), 'POLICY_INVALID', 'policy.programs[0].instructions[0]')
I('token Approve never allowed', m(programs=[{'program': TOKEN, 'native': 'spl-token', 'instructions': ['Approve']}]), 'POLICY_INVALID', 'policy.programs[0].instructions[0]')
I('native kind with the wrong program id', m(programs=[{'program': TOKEN22, 'native': 'spl-token', 'instructions': ['Transfer']}]), 'POLICY_INVALID', 'policy.programs[0].program')
I('Stake program as an anchor rule', m(programs=[{'program': 'Stake11111111111111111111111111111111111111', 'name': 'Stake', 'idlSha256': IDL, 'instructions': {'withdraw': {'for': ['any']}}}]), 'POLICY_INVALID', 'policy.programs[0].program')
I('native program as an anchor rule', m(programs=[{'program': TOKEN, 'name': 'Token', 'idlSha256': IDL, 'instructions': {'transfer': {'for': ['any']}}}]), 'POLICY_INVALID', 'policy.programs[0].program')
I('idlSha256 upper-case', m(programs=[{'program': JUP, 'name': 'Jupiter', 'idlSha256': 'AB' * 32, 'instructions': {'route': {'for': ['swap']}}}]), 'POLICY_INVALID', 'policy.programs[0].idlSha256')
I('constraint with two operators', m(programs=[{'program': JUP, 'name': 'Jupiter', 'idlSha256': IDL, 'instructions': {'route': {'for': ['swap'], 'args': [{'path': 'inAmount', 'atMost': '1', 'atLeast': '0'}]}}}]), 'POLICY_INVALID', 'policy.programs[0].instructions.route.args[0]')
I('non-canonical integer value', m(programs=[{'program': JUP, 'name': 'Jupiter', 'idlSha256': IDL, 'instructions': {'route': {'for': ['swap'], 'args': [{'path': 'inAmount', 'eq': '007'}]}}}]), 'POLICY_INVALID', 'policy.programs[0].instructions.route.args[0].eq')
I('unknown field in an account constraint', m(programs=[{'program': JUP, 'name': 'Jupiter', 'idlSha256': IDL, 'instructions': {'route': {'for': ['swap'], 'accounts': [{'account': 'a', 'is': 'agent', 'writable': True}]}}}]), 'POLICY_INVALID', 'policy.programs[0].instructions.route.accounts[0].writable')
I('order reference to an unknown order field', m(programs=[{'program': JUP, 'name': 'Jupiter', 'idlSha256': IDL, 'instructions': {'route': {'for': ['swap'], 'args': [{'path': 'inAmount', 'atMost': {'order': 'balance'}}]}}}]), 'POLICY_INVALID', 'policy.programs[0].instructions.route.args[0].atMost.order')
I('budget window too short', m(budgets=[{'scope': 'grant', 'windowSeconds': 59, 'unit': 'signatures', 'limit': '1'}]), 'POLICY_INVALID', 'policy.budgets[0].windowSeconds')
I('budget mint without unit token', m(budgets=[{'scope': 'grant', 'windowSeconds': 60, 'unit': 'signatures', 'mint': USDC, 'limit': '1'}]), 'POLICY_INVALID', 'policy.budgets[0].mint')
I('two limits on one budget counter', m(budgets=[{'scope': 'grant', 'windowSeconds': 60, 'unit': 'signatures', 'limit': '1'}, {'scope': 'grant', 'windowSeconds': 60, 'unit': 'signatures', 'limit': '2'}]), 'POLICY_INVALID', 'policy.budgets[1]')

# review F9 (SPEC 10.3.7): literal atMost caps are shown; bounds taken from the order are not.
V('anchor rule with a literal atMost cap: shown in the summary',
  {'v': 2, 'enabled': True, 'killSwitch': False,
   'programs': [{'program': DRIFT, 'name': 'Drift', 'idlSha256': IDL, 'instructions': {'placePerpOrder': {'for': ['perp'], 'args': [
       {'path': 'params.baseAssetAmount', 'atMost': {'order': 'baseAmount'}}, {'path': 'params.baseAssetAmount', 'atMost': '5000000000'}]}}}]},
  norm(programs=[{'program': DRIFT, 'name': 'Drift', 'idlSha256': IDL, 'instructions': {'placePerpOrder': {'for': ['perp'], 'args': sorted([
       {'path': 'params.baseAssetAmount', 'atMost': {'order': 'baseAmount'}}, {'path': 'params.baseAssetAmount', 'atMost': '5000000000'}], key=canon), 'accounts': []}}}]),
  'programs Drift dRifty..cn33UH placePerpOrder (params.baseAssetAmount max 5000000000).')
# review F12 (SPEC 10.3.5): a program name must not imitate an address rendering.
I('program name imitating an address', m(programs=[{'program': DRIFT, 'name': 'Jupiter v6 JUP6Lk..yVTaV4', 'idlSha256': IDL, 'instructions': {'placePerpOrder': {'for': ['perp']}}}]), 'POLICY_INVALID', 'policy.programs[0].name')

path = os.path.join(os.path.dirname(__file__), '..', 'vectors', 'policy-v2.json')
doc = {}
if os.path.exists(path):
    with open(path) as f:
        doc = json.load(f)
doc['description'] = doc.get('description', 'Execution policy v2 (SPEC 10.3.5-10.3.7 and 10.4).')
doc['source'] = 'agentvault project (policies: hand-written normalized forms and summaries, serialized by Python json.dumps(sort_keys) and hashed by hashlib, independent of the library; scripts/gen-policy-v2-vectors.py)'
doc['policies'] = {'valid': valid, 'invalid': invalid}
json.dump(doc, sys.stdout, indent=2)
sys.stdout.write('\n')
