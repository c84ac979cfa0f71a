"""The recommendation ranking is pure: facts and candidates in, ranked recommendations with reasons out."""

from zhibu.plans import ranking as r

SECRETARY = frozenset({"secretary"})
QUORUM = r.Finding("general_meeting.quorum", "党员大会到会人数不足")


def _c(kind, key, title="", **kw):
    return r.Candidate(kind, key, title or key, **kw)


def test_a_quorum_finding_sends_the_secretary_to_the_general_meeting_drill_class_and_item():
    facts = r.Facts(layers=SECRETARY, domain="rural", findings=(QUORUM,))
    cands = [
        _c("drill", "d1", meeting="支部党员大会"),
        _c("drill", "d2", meeting="党小组会"),
        _c("class", "k1", meeting="支部党员大会", category="member"),
        _c("item", "i1", tags=frozenset({"three-one", "secretary"}), text="支部党员大会规范流程演示"),
        _c("item", "i2", tags=frozenset({"dues"}), text="党费收缴"),
    ]
    recs = {x.key: x for x in r.recommend(facts, cands)}
    assert set(recs) == {"d1", "k1", "i1"}
    reason = "本支部合规检查发现“党员大会到会人数不足”，支部书记需掌握“如何召开支部党员大会”"
    assert all(reason in recs[k].reasons for k in ("d1", "k1", "i1"))


def test_findings_for_other_layers_do_not_reach_an_ordinary_member():
    facts = r.Facts(layers=frozenset({"member"}), findings=(QUORUM,))
    assert r.recommend(facts, [_c("drill", "d1", meeting="支部党员大会")]) == []


def test_own_shortfalls_outrank_a_fit_of_role_and_done_items_are_left_out():
    facts = r.Facts(
        layers=frozenset({"member"}),
        domain="community",
        wrong_topics={"党章": 3},
        hours_owed=12.0,
        hours_required=32.0,
    )
    cands = [
        _c("item", "fit", tags=frozenset({"member"}), text="形势政策"),
        _c("item", "topic", tags=frozenset({"member", "community"}), text="党章逐条学", studied=True),
        _c("item", "done", tags=frozenset({"member"}), text="党章", done=True),
    ]
    recs = r.recommend(facts, cands)
    assert [x.key for x in recs] == ["topic", "fit"]
    assert recs[0].reasons == [
        "考试中“党章”专题答错 3 题",
        "本年度学时尚差 12 学时（应完成 32）",
        "适合党员",
        "适合社区支部",
    ]
    assert recs[1].reasons == ["适合党员"]


def test_weak_drill_criteria_point_to_the_matching_drill():
    facts = r.Facts(layers=frozenset({"committee"}), weak_criteria=(("人数清点与有效性", 0.4),))
    recs = r.recommend(
        facts, [_c("drill", "d1", meeting="支部党员大会"), _c("drill", "d2", meeting="党小组会")]
    )
    assert [x.key for x in recs] == ["d1"]
    assert recs[0].reasons == ["模拟演练“人数清点与有效性”一项仅得 40% 的分"]


def test_layers_from_roles_and_rule_prefixes():
    assert r.layer_of([]) == {"member"}
    assert r.layer_of(["secretary", "group_leader"]) == {"secretary", "group_leader"}
    assert r.layer_of(["committee_member"]) == {"committee"}
    assert r.remedy_for("general_meeting.vote_count").title == "如何召开支部党员大会"
    assert r.remedy_for("learning.hours").layers == {"secretary"}
    assert r.remedy_for("no.such_rule") is None


def test_a_mere_fit_of_layer_gives_only_a_few_suggestions():
    facts = r.Facts(layers=frozenset({"member"}))
    cands = [_c("item", f"i{n}", tags=frozenset({"member"})) for n in range(10)]
    assert len(r.recommend(facts, cands)) == r.FIT_ONLY
