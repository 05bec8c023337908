using Omni.Carts;

namespace Omni.Wallets;

/// <summary>A customer's stored value and points, as every channel sees them at <see cref="Version"/>.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Wallets.WalletView")]
public sealed record WalletView(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] decimal Balance,
    [property: Id(2)] string Currency,
    [property: Id(3)] int Points,
    [property: Id(4)] long Version,
    [property: Id(5)] DateTimeOffset UpdatedAt);

/// <summary>The wallet after a change (or as it was, for a refusal), why not when refused, and the points the change named or spent.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Wallets.WalletResult")]
public sealed record WalletResult(
    [property: Id(0)] WalletView Wallet,
    [property: Id(1)] UserError? Error,
    [property: Id(2)] int Moved = 0)
{
    public bool Succeeded => Error is null;
}

/// <summary>Where a wallet change came from, for the customer's timeline.</summary>
[GenerateSerializer, Immutable, Alias("Omni.Wallets.WalletSource")]
public sealed record WalletSource(
    [property: Id(0)] string? StoreId = null,
    [property: Id(1)] Guid? OrderId = null,
    [property: Id(2)] Channel? Channel = null,
    [property: Id(3)] decimal? Amount = null);

/// <summary>
/// One customer's wallet (key: customer id). Every change carries a client id: it is durable
/// before it is acknowledged, and a retry with the same id answers as the first call did.
/// </summary>
[Alias("Omni.Wallets.IWalletGrain")]
public interface IWalletGrain : IGrainWithStringKey
{
    [Alias("Get"), ReadOnly]
    Task<WalletView> Get();

    /// <summary>Stored value added (payment is outside Omni).</summary>
    [Alias("TopUp")]
    Task<WalletResult> TopUp(string id, decimal amount, WalletSource? source = null);

    /// <summary>Stored value paying for a purchase; INSUFFICIENT_FUNDS beyond the balance.</summary>
    [Alias("Charge")]
    Task<WalletResult> Charge(string id, decimal amount, WalletSource? source = null);

    /// <summary>Points paying for a purchase; INSUFFICIENT_FUNDS beyond the points held.</summary>
    [Alias("Redeem")]
    Task<WalletResult> Redeem(string id, int points, WalletSource? source = null);

    /// <summary>Points earned by a purchase (an order placed, a till sale naming the customer).</summary>
    [Alias("Earn")]
    Task<WalletResult> Earn(string id, int points, WalletSource? source = null);

    /// <summary>
    /// Points earned under <paramref name="earnId"/> taken back (a cancellation, a return). What the
    /// customer already spent is owed and paid from the next points earned, so points never go negative.
    /// </summary>
    [Alias("Reverse")]
    Task<WalletResult> Reverse(string id, int points, WalletSource? source = null);

    /// <summary>Sets points aside for the checkout of <paramref name="cartId"/>: spent by its order, given back if it fails or lapses.</summary>
    [Alias("Hold")]
    Task<WalletResult> Hold(string id, int points, Guid cartId);

    /// <summary>An order spends what is set aside for its cart; <see cref="WalletResult.Moved"/> is how many points (0: none were).</summary>
    [Alias("RedeemHeld")]
    Task<WalletResult> RedeemHeld(string id, Guid cartId, WalletSource? source = null);

    /// <summary>Gives back what is set aside for <paramref name="cartId"/> (a checkout that failed).</summary>
    [Alias("ReleaseHolds")]
    Task<WalletResult> ReleaseHolds(Guid cartId);

    /// <summary>Points redeemed on an order given back (the order was cancelled).</summary>
    [Alias("Refund")]
    Task<WalletResult> Refund(string id, int points, WalletSource? source = null);

    /// <summary>Delivers what the wallet's timeline outbox still holds (the saga sweeper calls this after a crash).</summary>
    [Alias("Resume")]
    Task Resume();

    /// <summary>Registers (or renews) the observer; returns the version it will hear the changes after.</summary>
    [Alias("Subscribe")]
    Task<long> Subscribe(IWalletObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IWalletObserver observer);
}

[Alias("Omni.Wallets.IWalletObserver")]
public interface IWalletObserver : IGrainObserver
{
    [Alias("WalletChanged"), OneWay]
    Task WalletChanged(WalletView wallet);
}
