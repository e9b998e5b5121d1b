"""Assembling the docs/contract.md §3 result from what durable_rules decided: statuses, ordering,
reasons, missing facts, questions, reviews, referrals."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from engine import outside as op
from engine.catalog import CATEGORIES
from engine.explain import explained
from engine.expr import Derived, Node, Tri
from engine.kleene import Env, Gaps, gaps, term_value
from engine.parameters import region_chain
from engine.profile import Profile
from engine.result import (
    REFERRED_STATUSES,
    CitationOut,
    CodeResult,
    DepartmentsOut,
    EvaluationResult,
    ExplainedResult,
    Name,
    Question,
    Referral,
    Region,
    Review,
    Status,
)
from engine.rules import Rule
from engine.rulesets import DecisionKind
from engine.vocabulary import LEFT_BEHIND

if TYPE_CHECKING:
    from engine.decision import Decision, Engine


class Assembler:
    """Assembles one EvaluationResult from a Decision (and, for a woman outside the
    programme, the Decision on her profile with the left-behind condition set aside)."""

    def __init__(
        self,
        ev: Engine,
        profile: Profile,
        day: date,
        decision: Decision,
        outside: Decision | None = None,
        explain: bool = False,
    ) -> None:
        self.ev, self.profile, self.day, self.d = ev, profile, day, decision
        self.outside, self.explain = outside, explain
        self.catalog = ev.catalog
        self.env = decision.env or ev.env(decision.facts, decision.params, day)
        self.missing_params: list[str] = []
        self.questions: dict[str, list[str]] = {}
        self.false_codes: list[str] = []
        self.world_env = self.env

    def gaps(self, node: Node, env: Env | None = None) -> Gaps:
        found = gaps(node, env or self.env, self.ev.expand)
        for p in found.params:
            if p not in self.missing_params:
                self.missing_params.append(p)
        return found

    def ask(self, facts: list[str], codes: list[str]) -> None:
        for fact in facts:
            if fact in self.d.facts:  # known, but treated as unknown: a review asks it
                continue
            bucket = self.questions.setdefault(fact, [])
            bucket.extend(c for c in codes if c not in bucket)

    def build(self) -> EvaluationResult:
        ev, d = self.ev, self.d
        classifications = {
            name: d.durable_value(DecisionKind.CLASSIFICATION, name)
            for name in ev.classification_rules
        }
        for name, value in classifications.items():
            if value is None:
                self.gaps(Derived(name))
        results: list[CodeResult] = []
        withheld: list[str] = []
        worlds = None
        if classifications[LEFT_BEHIND] is None:
            worlds = [ev.env(d.facts, d.params, self.day, {LEFT_BEHIND: t}) for t in (True, False)]
        for code, rule in ev.code_rules.items():
            value = d.durable_value(DecisionKind.CODE, code)
            env = self.env
            if value is None and worlds is not None:
                either = [w.emitted(code) for w in worlds]
                if either[0] is not either[1]:
                    withheld.append(code)
                    continue
                value, env = either[0], worlds[0]
            if value is not False:
                results.append(self.result(code, rule, value, env))
            else:
                self.false_codes.append(code)
        if worlds is not None:
            self.ask(self.gaps(Derived(LEFT_BEHIND)).facts, withheld)
            self.world_env = worlds[0]
        listed = {r.code for r in results}
        beyond = self.beyond(classifications[LEFT_BEHIND], listed)
        results.sort(key=self.order)
        beyond.sort(key=self.order)
        fields = {
            "as_of": self.day.isoformat(),
            "policy_version": ev.policy.version,
            "region": Region(
                code=self.profile.region_code, chain=region_chain(self.profile.region_code)
            ),
            "classifications": classifications,
            "results": results,
            "referrals": self.referrals(results) + self.referrals(beyond, outside=True),
            "questions": self.ranked_questions(),
            "reviews": self.reviews(),
            "missing_parameters": self.missing_params,
            "outside_programme": beyond,
        }
        if not self.explain:
            return EvaluationResult(**fields)
        return ExplainedResult(**fields, **explained(self, classifications))

    def order(self, r: CodeResult) -> tuple[bool, int, int]:
        return (r.status != "urgent", CATEGORIES.index(r.category), self.ev.code_order[r.code])

    def beyond(self, left_behind: Tri, listed: set[str]) -> list[CodeResult]:
        """`outside_programme`: the law codes, decided without the left-behind condition."""
        if self.outside is None:
            return []
        d, ev = self.outside, self.ev
        env = ev.env(self.d.facts, self.d.params, self.day, {LEFT_BEHIND: True})
        out = []
        for code, rule in op.law_rules(ev.code_rules).items():
            value = d.durable_value(DecisionKind.CODE, code)
            if code in listed or value is False:
                continue
            titles = [
                self.catalog.documents[c.source].title
                for c in rule.cite
                if c.source != op.PROGRAMME_DOCUMENT
            ][:1]
            lead = op.reason(titles, left_behind)
            out.append(self.result(code, rule, value, env, decision=d, lead=lead))
        return out

    def result(
        self,
        code: str,
        rule: Rule,
        value: Tri,
        env: Env,
        decision: Decision | None = None,
        lead: str | None = None,
    ) -> CodeResult:
        cdef = self.catalog.codes[code]
        missing: list[str] = []
        status: Status
        skip = frozenset({LEFT_BEHIND}) if lead else frozenset()
        if value is None:
            status = "needs_info"
            found = self.gaps(rule.when, env)
            missing = found.facts
            reasons = self.ev.explainer.missing(found.facts, found.params)
        else:
            reasons = self.ev.explainer.why(rule.when, env, skip=skip)
            status = self.status_of(
                code, rule, cdef.kind, cdef.urgent, missing, decision or self.d, env
            )
            reasons += rule.caveats_on(self.day)
        if lead:
            reasons.insert(0, lead)
        self.ask(missing, [code])
        outputs = {name: term_value(term, env) for name, term in rule.outputs.items()}
        return CodeResult(
            code=code,
            status=status,
            name=Name(zh=cdef.zh, en=cdef.en),
            category=cdef.category,
            kind=cdef.kind,
            departments=DepartmentsOut(
                lead=cdef.departments.lead, support=cdef.departments.support
            ),
            basis=rule.basis,
            rule=rule.id,
            citations=self.citations(rule),
            reasons=reasons,
            missing_facts=missing,
            outputs=outputs,
        )

    def status_of(
        self,
        code: str,
        rule: Rule,
        kind: str,
        urgent: bool,
        missing: list[str],
        decision: Decision,
        env: Env,
    ) -> Status:
        if urgent:
            return "urgent"
        for key, node, yes, no in (
            (DecisionKind.CHOOSE_HIGHER, rule.choose_higher_when, "choose_higher", "eligible"),
            (DecisionKind.ELIGIBLE, rule.eligible_when, "eligible", "refer_for_assessment"),
        ):
            if node is not None:
                decided = decision.durable_value(key, code)
                if decided is None:
                    missing.extend(f for f in self.gaps(node, env).facts if f not in missing)
                return yes if decided else no  # type: ignore[return-value]
        return {
            "benefit": "eligible",
            "service": "eligible",
            "referral": "refer_for_assessment",
            "obligation": "obligation",
            "info": "info",
        }[kind]  # type: ignore[return-value]

    def citations(self, rule: Rule) -> list[CitationOut]:
        out = []
        for cite in rule.cite:
            doc = self.catalog.documents[cite.source]
            out.append(
                CitationOut(
                    document=doc.title,
                    number=doc.number,
                    article=cite.article,
                    section=cite.section,
                    quote=cite.quote,
                )
            )
        return out

    def referrals(self, results: list[CodeResult], outside: bool = False) -> list[Referral]:
        by_dept: dict[str, list[CodeResult]] = {}
        for r in results:
            if r.status in REFERRED_STATUSES:
                for dept in r.departments.lead:
                    by_dept.setdefault(dept, []).append(r)
        out = []
        for dept, items in by_dept.items():
            ddef = self.catalog.departments[dept]
            out.append(
                Referral(
                    department=dept,
                    name=Name(zh=ddef.zh, en=ddef.en),
                    codes=[r.code for r in items],
                    urgent=any(r.status == "urgent" for r in items),
                    outside_programme=outside,
                )
            )
        return sorted(out, key=lambda r: not r.urgent)

    def ranked_questions(self) -> list[Question]:
        order = self.ev.fact_order
        ranked = sorted(self.questions.items(), key=lambda kv: (-len(kv[1]), order[kv[0]]))
        out = []
        for fact, codes in ranked:
            fdef = self.catalog.facts[fact]
            out.append(
                Question(
                    fact=fact,
                    label=Name(zh=fdef.zh, en=fdef.en),
                    question=Name(zh=fdef.question.zh, en=fdef.question.en)
                    if fdef.question
                    else None,
                    would_decide=codes,
                )
            )
        return out

    def reviews(self) -> list[Review]:
        out = []
        for rule in self.ev.policy.rules:
            for fact, values in rule.unknown_values.items():
                value = self.d.facts.get(fact)
                if value in values and self.value_of(rule) is not False:
                    out.append(
                        Review(
                            classification=rule.target,
                            fact=fact,
                            value=value,
                            reason=Name(
                                zh=rule.review or "",
                                en=f"A person must decide whether "
                                f"{fact} = {value} counts for {rule.target}.",
                            ),
                        )
                    )
        return out

    def value_of(self, rule: Rule) -> Tri:
        return self.env.derived(rule.target) if not rule.is_code else self.env.emitted(rule.target)
