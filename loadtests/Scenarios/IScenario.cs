using Omni.LoadTests.Runner;

namespace Omni.LoadTests.Scenarios;

/// <summary>
/// A realistic workload: it prepares what its users need (tokens, carts, stock), makes the virtual
/// users, and afterwards reads back what it changed and checks it. Figures it reports go into
/// <see cref="ScenarioContext.Figure"/>; violations into <see cref="ScenarioContext.Invariants"/>.
/// </summary>
public interface IScenario
{
    /// <summary>The phase's name in reports and on the progress line.</summary>
    string Name { get; }

    /// <summary>One sentence: what the users do.</summary>
    string Description { get; }

    /// <summary>Sets up everything <paramref name="users"/> users need, before the clock starts.</summary>
    Task Prepare(ScenarioContext context, int users, CancellationToken cancellationToken);

    IVirtualUser CreateUser(int index);

    /// <summary>After the run: read back, check, report figures. Returns the measurements with anything matched up afterwards added.</summary>
    Task<Measurements> Verify(ScenarioContext context, Measurements measured, CancellationToken cancellationToken);
}
