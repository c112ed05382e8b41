# pragma version 0.4.3
# @title InferenceServing for the offline 0G devnet
# @notice Behaves like 0G's InferenceServing: provider services (100 OG stake, owner
#         acknowledges the TEE signer), user sub-accounts funded only through the
#         LedgerManager, two-phase refunds with a lock time, session-token revocation
#         and fee settlement with EIP-712 signatures from the service's TEE signer.
#         Signatures follow zerog_py_sdk's SERVING_CONTRACT_ABI where the SDK calls
#         them and 0G's official ABI elsewhere; reverts carry raw Solidity custom-error
#         payloads (selector ++ abi_encode(args)).

interface ILedger:
    def spendFund(user: address, amount: uint256): nonpayable

struct Refund:
    index: uint256
    amount: uint256
    createdAt: uint256
    processed: bool

struct Account:
    user: address
    provider: address
    nonce: uint256
    balance: uint256
    pendingRefund: uint256
    refunds: DynArray[Refund, MAX_REFUNDS]
    additionalInfo: String[4096]
    acknowledged: bool
    validRefundsLength: uint256
    generation: uint256
    revokedBitmap: uint256

struct Service:
    provider: address
    serviceType: String[64]
    url: String[512]
    inputPrice: uint256
    outputPrice: uint256
    updatedAt: uint256
    model: String[256]
    verifiability: String[64]
    additionalInfo: String[4096]
    teeSignerAddress: address
    teeSignerAcknowledged: bool

struct ServiceParams:
    serviceType: String[64]
    url: String[512]
    model: String[256]
    verifiability: String[64]
    inputPrice: uint256
    outputPrice: uint256
    additionalInfo: String[4096]
    teeSignerAddress: address

struct TEESettlementData:
    user: address
    provider: address
    totalFee: uint256
    requestsHash: bytes32
    nonce: uint256
    signature: Bytes[256]

# Storage form of an account: refunds live in fixed slots (amount, createdAt) so a
# refund request costs two storage writes; `pos` is index + 1 in _accountList.
struct AccountState:
    nonce: uint256
    balance: uint256
    acknowledged: bool
    refundCount: uint256
    generation: uint256
    revokedBitmap: uint256
    additionalInfo: String[4096]
    pos: uint256

struct Pair:
    user: address
    provider: address

event OwnershipTransferred:
    previousOwner: indexed(address)
    newOwner: indexed(address)

event BalanceUpdated:
    user: indexed(address)
    provider: indexed(address)
    amount: uint256
    pendingRefund: uint256

event RefundRequested:
    user: indexed(address)
    provider: indexed(address)
    index: indexed(uint256)
    timestamp: uint256

event ServiceUpdated:
    service: indexed(address)
    serviceType: String[64]
    url: String[512]
    inputPrice: uint256
    outputPrice: uint256
    updatedAt: uint256
    model: String[256]
    verifiability: String[64]

event ServiceRemoved:
    service: indexed(address)

event TEESettlementResult:
    user: indexed(address)
    status: uint8
    unsettledAmount: uint256

event ProviderTEESignerAcknowledged:
    provider: indexed(address)
    teeSignerAddress: indexed(address)
    acknowledged: bool

event ProviderStaked:
    provider: indexed(address)
    amount: uint256

event ProviderStakeReturned:
    provider: indexed(address)
    amount: uint256

event TokenRevoked:
    user: indexed(address)
    provider: indexed(address)
    tokenId: uint8

event TokensRevoked:
    user: indexed(address)
    provider: indexed(address)
    tokenIds: DynArray[uint8, 256]

event AllTokensRevoked:
    user: indexed(address)
    provider: indexed(address)
    newGeneration: uint256

event AccountDeleted:
    user: indexed(address)
    provider: indexed(address)
    refundedAmount: uint256

event LockTimeUpdated:
    oldLockTime: uint256
    newLockTime: uint256

event ContractInitialized:
    owner: indexed(address)
    lockTime: uint256
    ledgerAddress: address

MIN_LOCKTIME: public(constant(uint256)) = 3600
MAX_LOCKTIME: public(constant(uint256)) = 7 * 86400
MIN_PROVIDER_STAKE: public(constant(uint256)) = 100 * 10**18
MAX_REFUNDS: constant(uint256) = 5
PAGE_SIZE: constant(uint256) = 50
MAX_SETTLEMENTS: constant(uint256) = 50
MAX_ENTRIES: constant(uint256) = 2**32

# Settlement statuses (0G's SettlementStatus enum)
SUCCESS: constant(uint8) = 0
PARTIAL: constant(uint8) = 1
PROVIDER_MISMATCH: constant(uint8) = 2
NO_TEE_SIGNER: constant(uint8) = 3
INVALID_NONCE: constant(uint8) = 4
INVALID_SIGNATURE: constant(uint8) = 5

DOMAIN_TYPEHASH: constant(bytes32) = keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
SETTLEMENT_TYPEHASH: constant(bytes32) = keccak256("TEESettlement(bytes32 requestsHash,uint256 nonce,address provider,address user,uint256 totalFee)")
DOMAIN_NAME_HASH: constant(bytes32) = keccak256("0G Inference Serving")
DOMAIN_VERSION_HASH: constant(bytes32) = keccak256("1")
SECP256K1_HALF_N: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168
ERC165_ID: constant(bytes4) = 0x01ffc9a7
ISERVING_ID: constant(bytes4) = 0x160841b1  # xor of the seven IServing selectors

owner: public(address)
lockTime: public(uint256)
ledgerAddress: public(address)

_accounts: HashMap[address, HashMap[address, AccountState]]
_refundAmount: HashMap[address, HashMap[address, uint256[MAX_REFUNDS]]]
_refundCreated: HashMap[address, HashMap[address, uint256[MAX_REFUNDS]]]
_accountList: DynArray[Pair, MAX_ENTRIES]

_services: HashMap[address, Service]
_servicePos: HashMap[address, uint256]  # index + 1 in _serviceList
_serviceList: DynArray[address, MAX_ENTRIES]
_stake: HashMap[address, uint256]


@deploy
def __init__(lockTime_: uint256, ledger: address, owner_: address):
    self._checkLockTime(lockTime_)
    self.lockTime = lockTime_
    self.ledgerAddress = ledger
    self.owner = owner_
    log OwnershipTransferred(previousOwner=empty(address), newOwner=owner_)
    log ContractInitialized(owner=owner_, lockTime=lockTime_, ledgerAddress=ledger)


# ---------------------------------------------------------------- errors and guards

@internal
@pure
def _err0(sig: bytes4):
    raw_revert(concat(sig, b""))


@internal
@pure
def _errAddr(sig: bytes4, a: address):
    raw_revert(concat(sig, abi_encode(a)))


@internal
@pure
def _errPair(sig: bytes4, a: address, b: address):
    raw_revert(concat(sig, abi_encode(a, b)))


@internal
@pure
def _errUint2(sig: bytes4, a: uint256, b: uint256):
    raw_revert(concat(sig, abi_encode(a, b)))


@internal
@pure
def _checkLockTime(t: uint256):
    if t < MIN_LOCKTIME or t > MAX_LOCKTIME:
        raw_revert(concat(
            method_id("LockTimeOutOfRange(uint256,uint256,uint256)", output_type=bytes4),
            abi_encode(t, MIN_LOCKTIME, MAX_LOCKTIME),
        ))


@internal
@view
def _onlyOwner():
    assert msg.sender == self.owner, "Ownable: caller is not the owner"


@internal
@view
def _onlyLedger():
    if msg.sender != self.ledgerAddress:
        self._errAddr(method_id("CallerNotLedger(address)", output_type=bytes4), msg.sender)


@internal
@view
def _requireAccount(user: address, provider: address):
    if self._accounts[user][provider].pos == 0:
        self._errPair(method_id("AccountNotExists(address,address)", output_type=bytes4), user, provider)


@internal
@view
def _requireService(provider: address):
    if self._servicePos[provider] == 0:
        self._errAddr(method_id("ServiceNotExist(address)", output_type=bytes4), provider)


@internal
@view
def _requireAddress(a: address):
    if a == empty(address):
        self._errAddr(method_id("InvalidAddress(address)", output_type=bytes4), a)


@internal
def _pay(to: address, amount: uint256):
    if amount > 0:
        ok: bool = raw_call(to, b"", value=amount, revert_on_failure=False)
        if not ok:
            self._err0(method_id("TransferFailed()", output_type=bytes4))


# ---------------------------------------------------------------- account internals

@internal
@view
def _pending(user: address, provider: address) -> uint256:
    total: uint256 = 0
    n: uint256 = self._accounts[user][provider].refundCount
    for i: uint256 in range(n, bound=MAX_REFUNDS):
        total += self._refundAmount[user][provider][i]
    return total


@internal
@view
def _account(user: address, provider: address) -> Account:
    st: AccountState = self._accounts[user][provider]
    refunds: DynArray[Refund, MAX_REFUNDS] = []
    pending: uint256 = 0
    for i: uint256 in range(st.refundCount, bound=MAX_REFUNDS):
        amount: uint256 = self._refundAmount[user][provider][i]
        pending += amount
        refunds.append(Refund(index=i, amount=amount, createdAt=self._refundCreated[user][provider][i], processed=False))
    return Account(
        user=user,
        provider=provider,
        nonce=st.nonce,
        balance=st.balance,
        pendingRefund=pending,
        refunds=refunds,
        additionalInfo=st.additionalInfo,
        acknowledged=st.acknowledged,
        validRefundsLength=st.refundCount,
        generation=st.generation,
        revokedBitmap=st.revokedBitmap,
    )


@internal
def _dropRefundPrefix(user: address, provider: address, count: uint256, n: uint256):
    # Remove the first `count` of `n` active refunds, keeping the order of the rest.
    if count == 0:
        return
    for i: uint256 in range(n - count, bound=MAX_REFUNDS):
        self._refundAmount[user][provider][i] = self._refundAmount[user][provider][i + count]
        self._refundCreated[user][provider][i] = self._refundCreated[user][provider][i + count]
    self._accounts[user][provider].refundCount = n - count


@internal
def _cancelRefundsFromStart(user: address, provider: address, amount: uint256):
    # Deposits take back pending refunds oldest-first (as 0G's depositFund).
    remaining: uint256 = amount
    n: uint256 = self._accounts[user][provider].refundCount
    dropped: uint256 = 0
    for i: uint256 in range(n, bound=MAX_REFUNDS):
        if remaining == 0:
            break
        r: uint256 = self._refundAmount[user][provider][i]
        if remaining >= r:
            remaining -= r
            dropped += 1
        else:
            self._refundAmount[user][provider][i] = r - remaining
            remaining = 0
    self._dropRefundPrefix(user, provider, dropped, n)


@internal
def _settleFees(user: address, provider: address, amount: uint256):
    balance: uint256 = self._accounts[user][provider].balance
    pending: uint256 = self._pending(user, provider)
    if amount > balance - pending:
        # Fees beyond the unlocked part eat pending refunds, newest first.
        remaining: uint256 = amount - (balance - pending)
        n: uint256 = self._accounts[user][provider].refundCount
        for j: uint256 in range(n, bound=MAX_REFUNDS):
            if remaining == 0:
                break
            i: uint256 = n - 1 - j
            r: uint256 = self._refundAmount[user][provider][i]
            if r <= remaining:
                remaining -= r
                self._accounts[user][provider].refundCount = i
            else:
                self._refundAmount[user][provider][i] = r - remaining
                remaining = 0
    self._accounts[user][provider].balance = balance - amount
    extcall ILedger(self.ledgerAddress).spendFund(user, amount)
    log BalanceUpdated(user=user, provider=provider, amount=balance - amount, pendingRefund=self._pending(user, provider))


@internal
@view
def _verifySignature(s: TEESettlementData, expected: address) -> bool:
    sig: Bytes[256] = s.signature
    if len(sig) != 65:
        return False
    r: uint256 = convert(extract32(sig, 0), uint256)
    sv: uint256 = convert(extract32(sig, 32), uint256)
    v: uint256 = convert(extract32(sig, 33), uint256) & 255
    # Same rules as OpenZeppelin's ECDSA.tryRecover: low s, v in {27, 28}.
    if sv > SECP256K1_HALF_N or (v != 27 and v != 28):
        return False
    domain: bytes32 = keccak256(abi_encode(DOMAIN_TYPEHASH, DOMAIN_NAME_HASH, DOMAIN_VERSION_HASH, chain.id, self))
    structHash: bytes32 = keccak256(abi_encode(SETTLEMENT_TYPEHASH, s.requestsHash, s.nonce, s.provider, s.user, s.totalFee))
    digest: bytes32 = keccak256(concat(b"\x19\x01", domain, structHash))
    signer: address = ecrecover(digest, v, r, sv)
    return signer != empty(address) and signer == expected


@internal
def _processSettlement(s: TEESettlementData) -> (uint8, uint256, uint256):
    # Returns (status, unsettled amount, settled amount) without reverting.
    if self._accounts[s.user][msg.sender].pos == 0:
        return INVALID_SIGNATURE, s.totalFee, 0
    if self._servicePos[msg.sender] == 0:
        return PROVIDER_MISMATCH, s.totalFee, 0
    signer: address = self._services[msg.sender].teeSignerAddress
    if not self._accounts[s.user][msg.sender].acknowledged or not self._services[msg.sender].teeSignerAcknowledged or signer == empty(address):
        return NO_TEE_SIGNER, s.totalFee, 0
    if self._accounts[s.user][msg.sender].nonce >= s.nonce:
        return INVALID_NONCE, s.totalFee, 0
    if not self._verifySignature(s, signer):
        return INVALID_SIGNATURE, s.totalFee, 0

    self._accounts[s.user][msg.sender].nonce = s.nonce
    balance: uint256 = self._accounts[s.user][msg.sender].balance
    toSettle: uint256 = min(s.totalFee, balance)
    if toSettle > 0:
        self._settleFees(s.user, msg.sender, toSettle)
    if s.totalFee > balance:
        return PARTIAL, s.totalFee - balance, toSettle
    return SUCCESS, 0, toSettle


# ---------------------------------------------------------------- ledger-only

@external
@payable
def addAccount(user: address, provider: address, additionalInfo: String[4096]):
    self._onlyLedger()
    self._requireAddress(user)
    self._requireAddress(provider)
    if self._accounts[user][provider].pos != 0:
        self._errPair(method_id("AccountExists(address,address)", output_type=bytes4), user, provider)
    self._accountList.append(Pair(user=user, provider=provider))
    # nonce and generation survive a deletion (replay protection), so only set the rest
    self._accounts[user][provider].pos = len(self._accountList)
    self._accounts[user][provider].balance = msg.value
    self._accounts[user][provider].additionalInfo = additionalInfo
    # The first transfer acknowledges the provider for the user.
    self._accounts[user][provider].acknowledged = True
    log BalanceUpdated(user=user, provider=provider, amount=msg.value, pendingRefund=0)


@external
@payable
def depositFund(user: address, provider: address, cancelRetrievingAmount: uint256):
    self._onlyLedger()
    self._requireAddress(user)
    self._requireAddress(provider)
    self._requireAccount(user, provider)
    if cancelRetrievingAmount > 0:
        self._cancelRefundsFromStart(user, provider, cancelRetrievingAmount)
    balance: uint256 = self._accounts[user][provider].balance + msg.value
    self._accounts[user][provider].balance = balance
    if not self._accounts[user][provider].acknowledged:
        self._accounts[user][provider].acknowledged = True
    log BalanceUpdated(user=user, provider=provider, amount=balance, pendingRefund=self._pending(user, provider))


@external
def requestRefundAll(user: address, provider: address):
    self._onlyLedger()
    self._requireAccount(user, provider)
    amount: uint256 = self._accounts[user][provider].balance - self._pending(user, provider)
    if amount == 0:
        return
    n: uint256 = self._accounts[user][provider].refundCount
    if n >= MAX_REFUNDS:
        self._errPair(method_id("TooManyRefunds(address,address)", output_type=bytes4), user, provider)
    self._refundAmount[user][provider][n] = amount
    self._refundCreated[user][provider][n] = block.timestamp
    self._accounts[user][provider].refundCount = n + 1
    log RefundRequested(user=user, provider=provider, index=n, timestamp=block.timestamp)


@external
def processRefund(user: address, provider: address) -> (uint256, uint256, uint256):
    self._onlyLedger()
    self._requireAccount(user, provider)
    n: uint256 = self._accounts[user][provider].refundCount
    balance: uint256 = self._accounts[user][provider].balance
    if n == 0:
        return 0, balance, 0
    # Refunds are queued in time order, so the unlocked ones form a prefix.
    lock: uint256 = self.lockTime
    unlocked: uint256 = 0
    total: uint256 = 0
    for i: uint256 in range(n, bound=MAX_REFUNDS):
        if block.timestamp < self._refundCreated[user][provider][i] + lock:
            break
        total += self._refundAmount[user][provider][i]
        unlocked += 1
    if total == 0:
        return 0, balance, self._pending(user, provider)
    self._dropRefundPrefix(user, provider, unlocked, n)
    balance -= total
    self._accounts[user][provider].balance = balance
    pending: uint256 = self._pending(user, provider)
    log BalanceUpdated(user=user, provider=provider, amount=balance, pendingRefund=pending)
    self._pay(msg.sender, total)
    return total, balance, pending


@external
def deleteAccount(user: address, provider: address):
    self._onlyLedger()
    pos: uint256 = self._accounts[user][provider].pos
    if pos == 0:
        return
    last: Pair = self._accountList[len(self._accountList) - 1]
    self._accountList[pos - 1] = last
    self._accounts[last.user][last.provider].pos = pos
    self._accountList.pop()
    # Keep nonce and generation so old settlements and tokens stay invalid.
    self._accounts[user][provider].pos = 0
    self._accounts[user][provider].balance = 0
    self._accounts[user][provider].acknowledged = False
    self._accounts[user][provider].refundCount = 0
    self._accounts[user][provider].revokedBitmap = 0
    self._accounts[user][provider].additionalInfo = ""
    log AccountDeleted(user=user, provider=provider, refundedAmount=0)


# ---------------------------------------------------------------- users

@external
def acknowledgeTEESigner(provider: address, acknowledged: bool):
    self._requireAccount(msg.sender, provider)
    if self._accounts[msg.sender][provider].acknowledged and not acknowledged:
        balance: uint256 = self._accounts[msg.sender][provider].balance
        if balance != 0:
            raw_revert(concat(
                method_id("CannotRevokeWithNonZeroBalance(address,address,uint256)", output_type=bytes4),
                abi_encode(msg.sender, provider, balance),
            ))
    self._accounts[msg.sender][provider].acknowledged = acknowledged


@external
def revokeToken(provider: address, tokenId: uint8):
    self._requireAccount(msg.sender, provider)
    self._accounts[msg.sender][provider].revokedBitmap |= 1 << convert(tokenId, uint256)
    log TokenRevoked(user=msg.sender, provider=provider, tokenId=tokenId)


@external
def revokeTokens(provider: address, tokenIds: DynArray[uint8, 256]):
    self._requireAccount(msg.sender, provider)
    bitmap: uint256 = self._accounts[msg.sender][provider].revokedBitmap
    for t: uint8 in tokenIds:
        bitmap |= 1 << convert(t, uint256)
    self._accounts[msg.sender][provider].revokedBitmap = bitmap
    log TokensRevoked(user=msg.sender, provider=provider, tokenIds=tokenIds)


@external
def revokeAllTokens(provider: address):
    self._requireAccount(msg.sender, provider)
    generation: uint256 = self._accounts[msg.sender][provider].generation + 1
    self._accounts[msg.sender][provider].generation = generation
    self._accounts[msg.sender][provider].revokedBitmap = 0
    log AllTokensRevoked(user=msg.sender, provider=provider, newGeneration=generation)


# ---------------------------------------------------------------- providers

@external
@payable
def addOrUpdateService(params: ServiceParams):
    if self._stake[msg.sender] > 0:
        if msg.value != 0:
            self._err0(method_id("CannotAddStakeWhenUpdating()", output_type=bytes4))
    else:
        if msg.value < MIN_PROVIDER_STAKE:
            self._errUint2(method_id("InsufficientStake(uint256,uint256)", output_type=bytes4), msg.value, MIN_PROVIDER_STAKE)
        self._stake[msg.sender] = msg.value
        log ProviderStaked(provider=msg.sender, amount=msg.value)

    acknowledged: bool = False
    if self._servicePos[msg.sender] == 0:
        self._serviceList.append(msg.sender)
        self._servicePos[msg.sender] = len(self._serviceList)
    else:
        # Price and URL changes keep the owner's acknowledgement; anything else resets it.
        old: Service = self._services[msg.sender]
        acknowledged = old.teeSignerAcknowledged and (
            keccak256(old.serviceType) == keccak256(params.serviceType)
            and keccak256(old.model) == keccak256(params.model)
            and keccak256(old.verifiability) == keccak256(params.verifiability)
            and old.teeSignerAddress == params.teeSignerAddress
            and keccak256(old.additionalInfo) == keccak256(params.additionalInfo)
        )
    self._services[msg.sender] = Service(
        provider=msg.sender,
        serviceType=params.serviceType,
        url=params.url,
        inputPrice=params.inputPrice,
        outputPrice=params.outputPrice,
        updatedAt=block.timestamp,
        model=params.model,
        verifiability=params.verifiability,
        additionalInfo=params.additionalInfo,
        teeSignerAddress=params.teeSignerAddress,
        teeSignerAcknowledged=acknowledged,
    )
    log ServiceUpdated(
        service=msg.sender,
        serviceType=params.serviceType,
        url=params.url,
        inputPrice=params.inputPrice,
        outputPrice=params.outputPrice,
        updatedAt=block.timestamp,
        model=params.model,
        verifiability=params.verifiability,
    )


@external
@nonreentrant
def removeService():
    self._requireService(msg.sender)
    pos: uint256 = self._servicePos[msg.sender]
    last: address = self._serviceList[len(self._serviceList) - 1]
    self._serviceList[pos - 1] = last
    self._servicePos[last] = pos
    self._serviceList.pop()
    self._servicePos[msg.sender] = 0
    self._services[msg.sender] = empty(Service)
    stake: uint256 = self._stake[msg.sender]
    self._stake[msg.sender] = 0
    if stake > 0:
        log ProviderStakeReturned(provider=msg.sender, amount=stake)
    log ServiceRemoved(service=msg.sender)
    self._pay(msg.sender, stake)


@external
@nonreentrant
def settleFeesWithTEE(settlements: DynArray[TEESettlementData, 64]) -> DynArray[uint8, 64]:
    count: uint256 = len(settlements)
    if count == 0:
        self._err0(method_id("NoSettlementsProvided()", output_type=bytes4))
    if count > MAX_SETTLEMENTS:
        self._errUint2(method_id("TooManySettlements(uint256,uint256)", output_type=bytes4), count, MAX_SETTLEMENTS)
    # One status per item (0G's SettlementStatus); bad items never revert the batch.
    statuses: DynArray[uint8, 64] = []
    total: uint256 = 0
    for s: TEESettlementData in settlements:
        if s.provider != msg.sender:
            statuses.append(PROVIDER_MISMATCH)
            log TEESettlementResult(user=s.user, status=PROVIDER_MISMATCH, unsettledAmount=s.totalFee)
            continue
        status: uint8 = 0
        unsettled: uint256 = 0
        settled: uint256 = 0
        status, unsettled, settled = self._processSettlement(s)
        statuses.append(status)
        total += settled
        log TEESettlementResult(user=s.user, status=status, unsettledAmount=unsettled)
    self._pay(msg.sender, total)
    return statuses


# ---------------------------------------------------------------- owner

@external
def acknowledgeTEESignerByOwner(provider: address):
    self._onlyOwner()
    self._requireService(provider)
    self._services[provider].teeSignerAcknowledged = True
    log ProviderTEESignerAcknowledged(provider=provider, teeSignerAddress=self._services[provider].teeSignerAddress, acknowledged=True)


@external
def revokeTEESignerAcknowledgement(provider: address):
    self._onlyOwner()
    self._requireService(provider)
    self._services[provider].teeSignerAcknowledged = False
    log ProviderTEESignerAcknowledged(provider=provider, teeSignerAddress=self._services[provider].teeSignerAddress, acknowledged=False)


@external
def updateLockTime(lockTime_: uint256):
    self._onlyOwner()
    self._checkLockTime(lockTime_)
    log LockTimeUpdated(oldLockTime=self.lockTime, newLockTime=lockTime_)
    self.lockTime = lockTime_


@external
def transferOwnership(newOwner: address):
    self._onlyOwner()
    assert newOwner != empty(address), "Ownable: new owner is the zero address"
    log OwnershipTransferred(previousOwner=self.owner, newOwner=newOwner)
    self.owner = newOwner


@external
def renounceOwnership():
    self._onlyOwner()
    log OwnershipTransferred(previousOwner=self.owner, newOwner=empty(address))
    self.owner = empty(address)


@external
@payable
def __default__():
    self._err0(method_id("DirectDepositsDisabled()", output_type=bytes4))


# ---------------------------------------------------------------- views

@external
@view
def initialized() -> bool:
    return True


@external
@view
def supportsInterface(interfaceId: bytes4) -> bool:
    return interfaceId == ERC165_ID or interfaceId == ISERVING_ID


@external
@view
def accountExists(user: address, provider: address) -> bool:
    return self._accounts[user][provider].pos != 0


@external
@view
def serviceExists(provider: address) -> bool:
    return self._servicePos[provider] != 0


@external
@view
def getPendingRefund(user: address, provider: address) -> uint256:
    self._requireAccount(user, provider)
    return self._pending(user, provider)


@external
@view
def isTokenRevoked(user: address, provider: address, tokenId: uint8) -> bool:
    self._requireAccount(user, provider)
    return (self._accounts[user][provider].revokedBitmap >> convert(tokenId, uint256)) & 1 == 1


@external
@view
def getAccount(user: address, provider: address) -> Account:
    self._requireAccount(user, provider)
    return self._account(user, provider)


@external
@view
def getAllAccounts(offset: uint256, limit: uint256) -> (DynArray[Account, PAGE_SIZE], uint256):
    if limit > PAGE_SIZE:
        self._errUint2(method_id("LimitTooLarge(uint256,uint256)", output_type=bytes4), limit, PAGE_SIZE)
    total: uint256 = len(self._accountList)
    page: DynArray[Account, PAGE_SIZE] = []
    if offset >= total:
        return page, total
    size: uint256 = PAGE_SIZE if limit == 0 else limit
    for i: uint256 in range(offset, min(offset + size, total), bound=PAGE_SIZE):
        p: Pair = self._accountList[i]
        page.append(self._account(p.user, p.provider))
    return page, total


@external
@view
def getService(provider: address) -> Service:
    self._requireService(provider)
    return self._services[provider]


@external
@view
def getAllServices(offset: uint256, limit: uint256) -> (DynArray[Service, PAGE_SIZE], uint256):
    if limit > PAGE_SIZE:
        self._errUint2(method_id("LimitTooLarge(uint256,uint256)", output_type=bytes4), limit, PAGE_SIZE)
    total: uint256 = len(self._serviceList)
    page: DynArray[Service, PAGE_SIZE] = []
    if offset >= total:
        return page, total
    size: uint256 = PAGE_SIZE if limit == 0 else limit
    for i: uint256 in range(offset, min(offset + size, total), bound=PAGE_SIZE):
        page.append(self._services[self._serviceList[i]])
    return page, total
