using Omni.ServiceDefaults;
using Orleans.Configuration;

namespace Omni.Silo.Hosting;

/// <summary>
/// How fast the cluster notices a dead or cut-off silo and how long any call may wait for one
/// (DESIGN rule 12, issue 12 items 3 and 4). Orleans' defaults (5 s probes, 3 misses, 30 s
/// responses, a table read a minute) let callers hang for 30 s and kept a dead silo's grains
/// unreachable for longer; these numbers bound a call at <see cref="ClusterSettings.ResponseTimeout"/>
/// and hand a dead silo's grains to the survivors within about 10 s. README "Failure and
/// timeouts" has the table and docs/architecture.md the figures measured with them.
/// </summary>
public static class FailoverExtensions
{
    public static ISiloBuilder AddOmniFailover(this ISiloBuilder silo, ClusterSettings timeouts)
    {
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            // A probe every ~1-2 s (the failure detector adapts between half and four times this);
            // three missed ones make a suspicion: a SIGKILLed silo is voted dead after about 3-6 s.
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 3;
            // Orleans suppresses votes against a silo whose connection carried a message within
            // MaxProbeTimeout x NumMissedProbesLimit (8 s x 3 = 24 s by default): it guards against
            // false deaths when the prober itself stalls, but it also kept a silo that was cut off
            // mid-burst (alive, unreachable) voted alive for 24 s and its grains unreachable for 30 s.
            // 3 s x 3 = 9 s still covers a long GC pause and brings the grains back within 15 s.
            o.MaxProbeTimeout = TimeSpan.FromSeconds(3);
            // Two votes where there are enough silos; Orleans needs only a majority of the active
            // ones, so in a two-silo cluster the survivor's vote suffices.
            o.NumVotesForDeathDeclaration = 2;
            // A vote older than ten probe rounds says nothing about now.
            o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(20);
            // Gossip carries changes at once; the table read is the backstop when gossip is lost
            // (a cut-off silo learns it was declared dead this way and stops).
            o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
            // Dead rows are only history; keep a day of them instead of a week.
            o.DefunctSiloExpiration = TimeSpan.FromDays(1);
        });
        silo.Configure<SiloMessagingOptions>(o =>
        {
            // Calls between silos: a grain call on a live silo takes milliseconds, one to a silo
            // that is unreachable but not yet declared dead would otherwise wait 30 s.
            o.ResponseTimeout = timeouts.ResponseTimeout;
        });
        silo.Configure<ConnectionOptions>(o => o.OpenConnectionTimeout = timeouts.OpenConnectionTimeout);
        return silo;
    }
}
