using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni.Hosting;
using Omni.Journal;
using Orleans.Utilities;

namespace Omni.Wallets;

/// <summary>
/// One customer's wallet: the Orleans shell around <see cref="WalletLedger"/>. A change is
/// judged by the ledger, appended to the wallet's journal stream and only then acknowledged and
/// published. Calls are taken one at a time, so every change is judged against the durable
/// state before it: two silos, two API nodes, a hundred tills cannot spend the same point twice.
/// </summary>
public sealed partial class WalletGrain(
    JournalCommitter committer,
    [FromKeyedServices(GrainsHostingExtensions.ClockKey)] TimeProvider clock,
    IOptions<JournalOptions> journalOptions,
    ILogger<WalletGrain> logger) : Grain, IWalletGrain
{
    private readonly ObserverManager<IWalletObserver> _observers = new(TimeSpan.FromMinutes(1), logger);
    private WalletLedger _ledger = null!;
    private StreamJournal<IReadOnlyList<WalletEvent>, WalletSnapshot> _journal = null!;
    private bool _broken;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new(committer, $"wallet/{Id}", journalOptions.Value.SnapshotEvery);
        var (snapshot, commits) = await _journal.Load(cancellationToken);
        _ledger = snapshot is null ? new WalletLedger(Id) : WalletLedger.FromSnapshot(Id, snapshot);
        foreach (var commit in commits)
        {
            _ledger.Apply(commit);
        }
    }

    public Task<WalletView> Get() => Task.FromResult(_ledger.View());

    public Task<WalletResult> TopUp(string id, decimal amount, WalletSource? source = null) =>
        Change(now => _ledger.TopUp(id, amount, now, source));

    public Task<WalletResult> Charge(string id, decimal amount, WalletSource? source = null) =>
        Change(now => _ledger.Charge(id, amount, now, source));

    public Task<WalletResult> Redeem(string id, int points, WalletSource? source = null) =>
        Change(now => _ledger.Redeem(id, points, now, source));

    public Task<WalletResult> Earn(string id, int points, WalletSource? source = null) =>
        Change(now => _ledger.Earn(id, points, now, source));

    public Task<WalletResult> Reverse(string id, int points, WalletSource? source = null) =>
        Change(now => _ledger.Reverse(id, points, now, source));

    public Task Subscribe(IWalletObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IWalletObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private async Task<WalletResult> Change(Func<DateTimeOffset, WalletResult> command)
    {
        if (_broken)
        {
            throw new JournalUnavailableException($"wallet {Id} is reloading after a failed write; retry");
        }
        var result = command(clock.GetUtcNow());
        if (_ledger.TakeCommit() is not { } commit)
        {
            // A refusal or a retry of a remembered change: nothing new to store.
            return result;
        }
        try
        {
            await _journal.Append(commit, _ledger.ToSnapshot);
        }
        catch (Exception e)
        {
            // The ledger moved ahead of what is durable: this activation must not answer again.
            _broken = true;
            DeactivateOnIdle();
            LogCommitFailed(logger, e, Id, _ledger.Version);
            throw new JournalUnavailableException($"wallet {Id} could not store its change; retry", e);
        }
        var view = _ledger.View();
        await _observers.Notify(o => o.WalletChanged(view));
        return result;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Wallet {CustomerId}: the commit of version {Version} was not stored; reloading")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, string customerId, long version);
}
