"""Evaluator: durable_rules decides, the three-valued evaluator explains, both must agree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from engine.catalog import CATEGORIES
from engine.durable import DurablePipeline, day_number, rule_name
from engine.errors import ProfileError, RulesRuntimeError
from engine.expr import Derived, Env, Gaps, Node, Tri, evaluate, gaps, term_value
from engine.messages import field_errors
from engine.parameters import region_chain
from engine.policy import Policy
from engine.profile import Profile
from engine.reasons import Explainer
from engine.result import (
    REFERRED_STATUSES,
    CitationOut,
    CodeResult,
    DepartmentsOut,
    EvaluationResult,
    Name,
    Question,
    Referral,
    Region,
    Review,
    Status,
)
from engine.rules import Rule

LEFT_BEHIND = "is_rural_left_behind_woman"


@dataclass(frozen=True)
class Decision:
    """What durable_rules fired and what the three-valued evaluator found, for one profile."""

    facts: dict[str, Any]
    params: dict[str, Any]
    fired: frozenset[str]
    kleene: dict[str, Tri]

    def durable_value(self, kind: str, target: str) -> Tri:
        """TRUE, FALSE or unknown as durable_rules decided it."""
        if rule_name(kind, target, True) in self.fired:
            return True
        if rule_name(kind, target, False) in self.fired:
            return False
        return None

    def disagreements(self) -> list[str]:
        """Every compiled rule on which durable_rules and the evaluator differ."""
        out = []
        for name, expected in self.kleene.items():
            kind, target = name.split(":")
            got = self.durable_value(kind, target)
            both = {rule_name(kind, target, True), rule_name(kind, target, False)} <= self.fired
            if got is not expected or both:
                out.append(f"{name}: durable={got} evaluator={expected}")
        return out


class Evaluator:
    """Evaluates profiles against one loaded policy. Thread-safe; `close()` when replaced."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.catalog = policy.catalog
        self.classification_rules = policy.classification_rules
        self.code_rules = policy.code_rules
        self.pipeline = DurablePipeline(
            self.classification_rules, self.code_rules, label=policy.version[7:19]
        )
        self.explainer = Explainer(self.catalog)
        self._order = {code: i for i, code in enumerate(self.catalog.codes)}
        self._fact_order = {fact: i for i, fact in enumerate(self.catalog.facts)}
        self.closed = False

    def close(self) -> None:
        """Stop using this evaluator; its ruleset is freed once no evaluation holds it."""
        self.closed = True

    # -- inputs ----------------------------------------------------------------
    @staticmethod
    def validate(profile: Mapping[str, Any] | Profile) -> Profile:
        """A strict Profile, or ProfileError naming every bad field."""
        if isinstance(profile, Profile):
            return profile
        if not isinstance(profile, Mapping):
            raise ProfileError(field_errors(_not_an_object()))
        try:
            return Profile.model_validate(dict(profile))
        except ValidationError as exc:
            raise ProfileError(field_errors(exc)) from exc

    def facts_for(self, profile: Profile, day: date) -> dict[str, Any]:
        """Known facts with the absent-fact conventions applied (SPEC.md §1)."""
        known = profile.facts(day)
        facts: dict[str, Any] = {}
        for name, fdef in self.catalog.facts.items():
            value = known.get(name)
            if value is None and fdef.absent == "false":
                value = False
            elif value is None and fdef.absent == "empty":
                value = []
            if value is not None:
                facts[name] = value
        return facts

    def env(
        self,
        facts: Mapping[str, Any],
        params: Mapping[str, Any],
        day: date,
        override: Mapping[str, Tri] | None = None,
    ) -> Env:
        """A three-valued environment; `override` forces classifications (two-world check)."""
        derived_memo: dict[str, Tri] = dict(override or {})
        emitted_memo: dict[str, Tri] = {}

        def derived(name: str) -> Tri:
            if name not in derived_memo:
                derived_memo[name] = evaluate(self.classification_rules[name].when, env)
            return derived_memo[name]

        def emitted(code: str) -> Tri:
            if code not in emitted_memo:
                rule = self.code_rules[code]
                emitted_memo[code] = evaluate(rule.when, env) if rule.in_force(day) else False
            return emitted_memo[code]

        env = Env(facts=facts, params=params, derived=derived, emitted=emitted)
        return env

    # -- deciding --------------------------------------------------------------
    def decide(self, profile: Mapping[str, Any] | Profile, as_of: date) -> Decision:
        """Run durable_rules and the evaluator on one profile; no agreement check."""
        valid = self.validate(profile)
        facts = self.facts_for(valid, as_of)
        chain = region_chain(valid.region_code)
        params = self.policy.parameters.resolve_all(chain, as_of)
        message = {
            "f": facts,
            "l": {
                name: {value: value in facts[name] for value in (fdef.values or {})}
                for name, fdef in self.catalog.facts.items()
                if fdef.type == "list" and name in facts
            },
            "p": {k: v for k, v in params.items() if v is not None and not isinstance(v, list)},
            "c": {"day": day_number(as_of)},
        }
        fired = self.pipeline.decide(message)
        env = self.env(facts, params, as_of)
        kleene: dict[str, Tri] = {}
        for name in self.classification_rules:
            kleene[f"D:{name}"] = env.derived(name)
        for code, rule in self.code_rules.items():
            kleene[f"C:{code}"] = env.emitted(code)
            if rule.eligible_when is not None:
                kleene[f"E:{code}"] = evaluate(rule.eligible_when, env)
            if rule.choose_higher_when is not None:
                kleene[f"H:{code}"] = evaluate(rule.choose_higher_when, env)
        return Decision(facts=facts, params=params, fired=fired, kleene=kleene)

    def evaluate(
        self, profile: Mapping[str, Any] | Profile, as_of: date | None = None
    ) -> EvaluationResult:
        """The full SPEC.md §3 result for a profile on a date (default today)."""
        day = as_of or date.today()
        valid = self.validate(profile)
        decision = self.decide(valid, day)
        problems = decision.disagreements()
        if problems:
            raise RulesRuntimeError(
                "durable_rules and the evaluator disagree: " + "; ".join(problems)
            )
        return _Builder(self, valid, day, decision).build()

    def expand(self, kind: str, name: str) -> Node | None:
        """The condition behind a classification ("d") or a code ("c")."""
        if kind == "d":
            return self.classification_rules[name].when
        return self.code_rules[name].when


def _not_an_object() -> ValidationError:
    try:
        Profile.model_validate("not an object")
    except ValidationError as exc:
        return exc
    raise AssertionError("unreachable")  # pragma: no cover


class _Builder:
    """Assembles one EvaluationResult from a Decision."""

    def __init__(self, ev: Evaluator, profile: Profile, day: date, decision: Decision) -> None:
        self.ev, self.profile, self.day, self.d = ev, profile, day, decision
        self.catalog = ev.catalog
        self.env = ev.env(decision.facts, decision.params, day)
        self.missing_params: list[str] = []
        self.questions: dict[str, list[str]] = {}

    def gaps(self, node: Node, env: Env | None = None) -> Gaps:
        found = gaps(node, env or self.env, self.ev.expand)
        for p in found.params:
            if p not in self.missing_params:
                self.missing_params.append(p)
        return found

    def ask(self, facts: list[str], codes: list[str]) -> None:
        for fact in facts:
            bucket = self.questions.setdefault(fact, [])
            bucket.extend(c for c in codes if c not in bucket)

    def build(self) -> EvaluationResult:
        ev, d = self.ev, self.d
        classifications = {name: d.durable_value("D", name) for name in ev.classification_rules}
        for name, value in classifications.items():
            if value is None:
                self.gaps(Derived(name))
        results: list[CodeResult] = []
        withheld: list[str] = []
        worlds = None
        if classifications[LEFT_BEHIND] is None:
            worlds = [ev.env(d.facts, d.params, self.day, {LEFT_BEHIND: t}) for t in (True, False)]
        for code, rule in ev.code_rules.items():
            value = d.durable_value("C", code)
            env = self.env
            if value is None and worlds is not None:
                either = [w.emitted(code) for w in worlds]
                if either[0] is not either[1]:
                    withheld.append(code)
                    continue
                value, env = either[0], worlds[0]
            if value is not False:
                results.append(self.result(code, rule, value, env))
        if worlds is not None:
            self.ask(self.gaps(Derived(LEFT_BEHIND)).facts, withheld)
        results.sort(
            key=lambda r: (r.status != "urgent", CATEGORIES.index(r.category), ev._order[r.code])
        )
        return EvaluationResult(
            as_of=self.day.isoformat(),
            policy_version=ev.policy.version,
            region=Region(
                code=self.profile.region_code, chain=region_chain(self.profile.region_code)
            ),
            classifications=classifications,
            results=results,
            referrals=self.referrals(results),
            questions=self.ranked_questions(),
            reviews=self.reviews(),
            missing_parameters=self.missing_params,
        )

    def result(self, code: str, rule: Rule, value: Tri, env: Env) -> CodeResult:
        cdef = self.catalog.codes[code]
        missing: list[str] = []
        status: Status
        if value is None:
            status = "needs_info"
            found = self.gaps(rule.when, env)
            missing = found.facts
            reasons = self.ev.explainer.missing(found.facts, found.params)
        else:
            reasons = self.ev.explainer.why(rule.when, env)
            status = self.status_of(code, rule, cdef.kind, cdef.urgent, missing)
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
        self, code: str, rule: Rule, kind: str, urgent: bool, missing: list[str]
    ) -> Status:
        if urgent:
            return "urgent"
        for key, node, yes, no in (
            ("H", rule.choose_higher_when, "choose_higher", "eligible"),
            ("E", rule.eligible_when, "eligible", "refer_for_assessment"),
        ):
            if node is not None:
                decided = self.d.durable_value(key, code)
                if decided is None:
                    missing.extend(f for f in self.gaps(node).facts if f not in missing)
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

    def referrals(self, results: list[CodeResult]) -> list[Referral]:
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
                )
            )
        return sorted(out, key=lambda r: not r.urgent)

    def ranked_questions(self) -> list[Question]:
        order = self.ev._fact_order
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
