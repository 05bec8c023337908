using System.Reflection;

namespace Omni.Tests.Foundation;

/// <summary>
/// Every test class says which tier it belongs to, so `./omni test --unit` (Tier=Unit) runs
/// exactly the rules tests and no test silently falls outside every tier. docs/testing.md.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class TestTierTests
{
    private static readonly string[] Tiers = ["Unit", "Cluster", "Host", "Browser", "Load"];

    [Fact]
    public void Every_test_class_has_exactly_one_known_tier()
    {
        var untiered = new List<string>();
        var wrong = new List<string>();
        foreach (var type in TestClasses())
        {
            var declared = CustomTraits(type).Where(t => t.Name == "Tier").Select(t => t.Value).ToList();
            if (declared.Count == 0)
            {
                untiered.Add(type.FullName!);
            }
            else if (declared.Count > 1 || !Tiers.Contains(declared[0]))
            {
                wrong.Add($"{type.FullName}: {string.Join(", ", declared)}");
            }
        }

        Assert.True(wrong.Count == 0, "tiers must be one of " + string.Join(", ", Tiers) + ":\n" + string.Join("\n", wrong));
        Assert.True(untiered.Count == 0, "test classes without [Trait(\"Tier\", ...)]:\n" + string.Join("\n", untiered));
    }

    [Fact]
    public void The_unit_tier_holds_the_rules_tests()
    {
        var unit = TestClasses().Where(t => CustomTraits(t).Any(x => x is ("Tier", "Unit"))).Select(t => t.Name).ToList();

        Assert.Contains("StockLedgerModelTests", unit);
        Assert.Contains("CartLedgerModelTests", unit);
        Assert.Contains("LoadRunnerTests", unit);
        Assert.DoesNotContain("InventoryGrainTests", unit);
    }

    private static IEnumerable<Type> TestClasses() =>
        typeof(TestTierTests).Assembly.GetTypes().Where(t => t.IsClass && t.GetMethods().Any(m => m.GetCustomAttributes<FactAttribute>().Any()));

    private static IEnumerable<(string Name, string Value)> CustomTraits(Type type) =>
        type.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(TraitAttribute))
            .Select(a => ((string)a.ConstructorArguments[0].Value!, (string)a.ConstructorArguments[1].Value!));
}
