# pragma version 0.4.3
# @title LedgerManager for the offline 0G devnet
# @notice Behaves like 0G's LedgerManager (one main ledger per user, funds moved
#         into per-provider sub-accounts held by registered serving contracts).
#         Function signatures follow zerog_py_sdk's LEDGER_CONTRACT_ABI where the SDK
#         calls them and 0G's official ABI elsewhere. Vyper has no custom errors, so
#         reverts carry raw `selector ++ abi_encode(args)` payloads with the exact
#         Solidity error signatures, which ABI-aware clients decode as usual.

interface IServing:
    def accountExists(user: address, provider: address) -> bool: view
    def getPendingRefund(user: address, provider: address) -> uint256: view
    def processRefund(user: address, provider: address) -> (uint256, uint256, uint256): nonpayable
    def requestRefundAll(user: address, provider: address): nonpayable

struct Ledger:
    user: address
    availableBalance: uint256
    totalBalance: uint256
    additionalInfo: String[4096]

# Field 6 is `serviceId` in the SDK's ABI and `isRecommended` (bool) in 0G's: both are
# one static word, and we store 1 so that both decodings read a valid value.
struct ServiceInfo:
    serviceAddress: address
    serviceContract: address
    serviceType: String[64]
    version: String[32]
    fullName: String[97]
    description: String[256]
    serviceId: uint256
    registeredAt: uint256

event OwnershipTransferred:
    previousOwner: indexed(address)
    newOwner: indexed(address)

event ServiceRegistered:
    serviceAddress: indexed(address)
    serviceName: String[97]

event LedgerInfoUpdated:
    user: indexed(address)
    additionalInfo: String[4096]

event FundSpent:
    user: indexed(address)
    service: indexed(address)
    amount: uint256

MAX_PROVIDERS_PER_BATCH: public(constant(uint256)) = 20
MAX_SERVICES: public(constant(uint256)) = 16
MAX_PROVIDERS_PER_USER_PER_SERVICE: public(constant(uint256)) = 50
MAX_ADDITIONAL_INFO_LENGTH: public(constant(uint256)) = 4096
MIN_ACCOUNT_BALANCE: public(constant(uint256)) = 3 * 10**18
MIN_TRANSFER_AMOUNT: public(constant(uint256)) = 10**18
MAX_LEDGERS: constant(uint256) = 2**32
PAGE_SIZE: constant(uint256) = 50

owner: public(address)

_ledgers: HashMap[address, Ledger]
_ledgerPos: HashMap[address, uint256]  # index + 1 in _ledgerUsers; 0 = no ledger
_ledgerUsers: DynArray[address, MAX_LEDGERS]

_services: HashMap[address, ServiceInfo]
_serviceByName: HashMap[bytes32, address]  # keccak256(fullName) -> service contract
_serviceList: DynArray[address, MAX_SERVICES]

# user -> service contract -> providers with a sub-account there
_providers: HashMap[address, HashMap[address, DynArray[address, MAX_PROVIDERS_PER_USER_PER_SERVICE]]]


@deploy
def __init__():
    self.owner = msg.sender
    log OwnershipTransferred(previousOwner=empty(address), newOwner=msg.sender)


# ---------------------------------------------------------------- errors

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
def _errUint2(sig: bytes4, a: uint256, b: uint256):
    raw_revert(concat(sig, abi_encode(a, b)))


@internal
@view
def _onlyOwner():
    assert msg.sender == self.owner, "Ownable: caller is not the owner"


# ---------------------------------------------------------------- helpers

@internal
@view
def _requireLedger(user: address):
    if self._ledgerPos[user] == 0:
        self._errAddr(method_id("LedgerNotExists(address)", output_type=bytes4), user)


@internal
@view
def _serviceFor(serviceName: String[256]) -> address:
    svc: address = self._serviceByName[keccak256(serviceName)]
    if svc == empty(address):
        self._errAddr(method_id("ServiceNotFound(address)", output_type=bytes4), svc)
    return svc


@internal
def _createLedger(user: address, amount: uint256, info: String[4096]):
    self._ledgers[user] = Ledger(user=user, availableBalance=amount, totalBalance=amount, additionalInfo=info)
    self._ledgerUsers.append(user)
    self._ledgerPos[user] = len(self._ledgerUsers)


@internal
def _removeLedger(user: address):
    pos: uint256 = self._ledgerPos[user]
    last: address = self._ledgerUsers[len(self._ledgerUsers) - 1]
    self._ledgerUsers[pos - 1] = last
    self._ledgerPos[last] = pos
    self._ledgerUsers.pop()
    self._ledgerPos[user] = 0
    self._ledgers[user] = empty(Ledger)


@internal
def _deposit(user: address, amount: uint256):
    if amount == 0:
        self._err0(method_id("ZeroAmountNotAllowed()", output_type=bytes4))
    if self._ledgerPos[user] == 0:
        if amount < MIN_ACCOUNT_BALANCE:
            self._errUint2(method_id("MinimumDepositRequired(uint256,uint256)", output_type=bytes4), amount, MIN_ACCOUNT_BALANCE)
        self._createLedger(user, amount, "")
    else:
        self._ledgers[user].availableBalance += amount
        self._ledgers[user].totalBalance += amount


@internal
def _deleteAllServiceAccounts(user: address):
    # Like the official contract: failures of a serving contract are ignored.
    for svc: address in self._serviceList:
        for provider: address in self._providers[user][svc]:
            ok: bool = raw_call(
                svc,
                concat(method_id("deleteAccount(address,address)"), abi_encode(user, provider)),
                revert_on_failure=False,
            )
        self._providers[user][svc] = []


@internal
def _pay(to: address, amount: uint256):
    if amount > 0:
        ok: bool = raw_call(to, b"", value=amount, revert_on_failure=False)
        if not ok:
            self._err0(method_id("TransferFailed()", output_type=bytes4))


# ---------------------------------------------------------------- user functions

@external
@payable
def addLedger(additionalInfo: String[4096]):
    if msg.value < MIN_ACCOUNT_BALANCE:
        self._errUint2(method_id("MinimumDepositRequired(uint256,uint256)", output_type=bytes4), msg.value, MIN_ACCOUNT_BALANCE)
    if self._ledgerPos[msg.sender] != 0:
        self._errAddr(method_id("LedgerExists(address)", output_type=bytes4), msg.sender)
    self._createLedger(msg.sender, msg.value, additionalInfo)


@external
def updateAdditionalInfo(additionalInfo: String[4096]):
    self._requireLedger(msg.sender)
    self._ledgers[msg.sender].additionalInfo = additionalInfo
    log LedgerInfoUpdated(user=msg.sender, additionalInfo=additionalInfo)


@external
@payable
def depositFund():
    self._deposit(msg.sender, msg.value)


@external
@payable
def depositFundFor(recipient: address):
    if recipient == empty(address):
        self._err0(method_id("ZeroAddressNotAllowed()", output_type=bytes4))
    self._deposit(recipient, msg.value)


@external
def refund(amount: uint256):
    self._requireLedger(msg.sender)
    available: uint256 = self._ledgers[msg.sender].availableBalance
    if available < amount:
        self._errAddr(method_id("InsufficientBalance(address)", output_type=bytes4), msg.sender)
    remaining: uint256 = available - amount
    if remaining != 0 and remaining < MIN_ACCOUNT_BALANCE:
        self._errUint2(method_id("MinimumDepositRequired(uint256,uint256)", output_type=bytes4), remaining, MIN_ACCOUNT_BALANCE)
    total: uint256 = self._ledgers[msg.sender].totalBalance - amount
    self._ledgers[msg.sender].availableBalance = remaining
    self._ledgers[msg.sender].totalBalance = total
    # As in 0G's contract: once nothing is left anywhere, the ledger and all of its
    # sub-accounts are deleted (before the payout, checks-effects-interactions).
    if total == 0:
        self._removeLedger(msg.sender)
        self._deleteAllServiceAccounts(msg.sender)
    self._pay(msg.sender, amount)


@external
def transferFund(provider: address, serviceTypeStr: String[256], amount: uint256):
    self._requireLedger(msg.sender)
    svc: address = self._serviceFor(serviceTypeStr)
    serving: IServing = IServing(svc)

    transferAmount: uint256 = amount
    payload: Bytes[4400] = b""
    if staticcall serving.accountExists(msg.sender, provider):
        # Money being retrieved from this sub-account is taken back first.
        cancel: uint256 = min(amount, staticcall serving.getPendingRefund(msg.sender, provider))
        transferAmount -= cancel
        payload = concat(
            method_id("depositFund(address,address,uint256)"), abi_encode(msg.sender, provider, cancel)
        )
    else:
        if amount < MIN_TRANSFER_AMOUNT:
            self._errUint2(method_id("MinimumDepositRequired(uint256,uint256)", output_type=bytes4), amount, MIN_TRANSFER_AMOUNT)
        payload = concat(
            method_id("addAccount(address,address,string)"),
            abi_encode(msg.sender, provider, self._ledgers[msg.sender].additionalInfo),
        )
        count: uint256 = len(self._providers[msg.sender][svc])
        if count >= MAX_PROVIDERS_PER_USER_PER_SERVICE:
            self._errUint2(method_id("TooManyProvidersForService(uint256,uint256)", output_type=bytes4), count, MAX_PROVIDERS_PER_USER_PER_SERVICE)
        self._providers[msg.sender][svc].append(provider)

    available: uint256 = self._ledgers[msg.sender].availableBalance
    if available < transferAmount:
        self._errUint2(method_id("InsufficientAvailableBalance(uint256,uint256)", output_type=bytes4), available, transferAmount)
    self._ledgers[msg.sender].availableBalance = available - transferAmount

    # Low-level call so that any inner revert surfaces as CallFailed(), like 0G's.
    ok: bool = raw_call(svc, payload, value=transferAmount, revert_on_failure=False)
    if not ok:
        self._err0(method_id("CallFailed()", output_type=bytes4))


@external
def retrieveFund(providers: DynArray[address, 256], serviceType: String[256]):
    if len(providers) > MAX_PROVIDERS_PER_BATCH:
        self._errUint2(method_id("TooManyProviders(uint256,uint256)", output_type=bytes4), len(providers), MAX_PROVIDERS_PER_BATCH)
    svc: address = self._serviceFor(serviceType)
    serving: IServing = IServing(svc)
    self._requireLedger(msg.sender)

    # Per sub-account: collect refunds older than lockTime, then queue the rest.
    total: uint256 = 0
    for provider: address in providers:
        if staticcall serving.accountExists(msg.sender, provider):
            amount: uint256 = 0
            balance: uint256 = 0
            pending: uint256 = 0
            amount, balance, pending = extcall serving.processRefund(msg.sender, provider)
            total += amount
            extcall serving.requestRefundAll(msg.sender, provider)
    self._ledgers[msg.sender].availableBalance += total


@external
def deleteLedger():
    self._requireLedger(msg.sender)
    total: uint256 = self._ledgers[msg.sender].totalBalance
    if total != 0:
        raw_revert(concat(method_id("MustWithdrawAllFundsFirst(uint256)", output_type=bytes4), abi_encode(total)))
    self._deleteAllServiceAccounts(msg.sender)
    self._removeLedger(msg.sender)


# ---------------------------------------------------------------- serving contracts

@external
def spendFund(user: address, amount: uint256):
    if self._services[msg.sender].serviceAddress == empty(address):
        self._errAddr(method_id("CallerNotRegisteredService(address)", output_type=bytes4), msg.sender)
    self._requireLedger(user)
    locked: uint256 = self._ledgers[user].totalBalance - self._ledgers[user].availableBalance
    if locked < amount:
        self._errUint2(method_id("InsufficientAvailableBalance(uint256,uint256)", output_type=bytes4), locked, amount)
    self._ledgers[user].totalBalance -= amount
    log FundSpent(user=user, service=msg.sender, amount=amount)


@external
@payable
def __default__():
    # Refunds come back from serving contracts; nobody else may send plain value.
    if self._services[msg.sender].serviceAddress == empty(address):
        self._err0(method_id("DirectDepositsDisabled()", output_type=bytes4))


@external
def registerService(serviceType: String[64], version: String[32], serviceAddress: address, description: String[256]):
    self._onlyOwner()
    if serviceAddress == empty(address):
        self._errAddr(method_id("InvalidServiceAddress(address)", output_type=bytes4), serviceAddress)
    if len(serviceType) == 0:
        self._err0(method_id("ServiceTypeRequired()", output_type=bytes4))
    if len(version) == 0:
        self._err0(method_id("VersionRequired()", output_type=bytes4))
    if self._services[serviceAddress].serviceAddress != empty(address):
        self._errAddr(method_id("ServiceAlreadyRegistered(address)", output_type=bytes4), serviceAddress)
    fullName: String[97] = concat(serviceType, "-", version)
    key: bytes32 = keccak256(fullName)
    if self._serviceByName[key] != empty(address):
        raw_revert(concat(method_id("ServiceNameExists(string)", output_type=bytes4), abi_encode(fullName)))
    if len(self._serviceList) >= MAX_SERVICES:
        raw_revert(concat(method_id("ServiceRegistryLimitReached(uint256)", output_type=bytes4), abi_encode(MAX_SERVICES)))
    self._services[serviceAddress] = ServiceInfo(
        serviceAddress=serviceAddress,
        serviceContract=serviceAddress,
        serviceType=serviceType,
        version=version,
        fullName=fullName,
        description=description,
        serviceId=1,
        registeredAt=block.timestamp,
    )
    self._serviceByName[key] = serviceAddress
    self._serviceList.append(serviceAddress)
    log ServiceRegistered(serviceAddress=serviceAddress, serviceName=fullName)


# ---------------------------------------------------------------- views

@external
@view
def initialized() -> bool:
    return True


@external
@view
def getLedger(user: address) -> Ledger:
    self._requireLedger(user)
    return self._ledgers[user]


@external
@view
def getAllLedgers(offset: uint256, limit: uint256) -> (DynArray[Ledger, PAGE_SIZE], uint256):
    total: uint256 = len(self._ledgerUsers)
    page: DynArray[Ledger, PAGE_SIZE] = []
    if offset >= total:
        return page, total
    size: uint256 = PAGE_SIZE if limit == 0 or limit > PAGE_SIZE else limit
    end: uint256 = min(offset + size, total)
    for i: uint256 in range(offset, end, bound=PAGE_SIZE):
        page.append(self._ledgers[self._ledgerUsers[i]])
    return page, total


@external
@view
def getLedgerProviders(user: address, serviceType: String[256]) -> DynArray[address, MAX_PROVIDERS_PER_USER_PER_SERVICE]:
    svc: address = self._serviceFor(serviceType)
    return self._providers[user][svc]


@external
@view
def getServiceInfo(serviceAddress: address) -> ServiceInfo:
    return self._services[serviceAddress]


@external
@view
def getServiceAddressByName(serviceName: String[256]) -> address:
    return self._serviceByName[keccak256(serviceName)]


@external
@view
def inferenceAddress() -> address:
    return self._serviceByName[keccak256("inference-v1.0")]


@external
@view
def fineTuningAddress() -> address:
    return self._serviceByName[keccak256("fine-tuning-v1.0")]


# ---------------------------------------------------------------- ownership

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
