"use client";
import Link from "next/link";
import { useState } from "react";
import { comparisonById } from "../../lib/comparisons";
import { walkGuide, type GuideLeaf, type GuideQuestion } from "../../lib/guide";
import { PRIMARY_BUTTON, SECONDARY, SECONDARY_BUTTON, SECTION, SECTION_TITLE } from "./styles";

/** The decision tree, one question at a time; `titles` names scenarios by their catalogue title. */
export function DecisionTree({ titles }: { titles: ReadonlyMap<string, string> }) {
  const [answers, setAnswers] = useState<readonly number[]>([]);
  const { steps, node } = walkGuide(answers);
  return (
    <section className={SECTION} data-testid="guide-tree" aria-labelledby="guide-tree-title">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id="guide-tree-title" className={SECTION_TITLE}>
          Decide in a few questions
        </h2>
        <div className="ml-auto flex gap-3">
          <button type="button" className={SECONDARY_BUTTON} disabled={steps.length === 0} onClick={() => setAnswers(answers.slice(0, -1))}>
            ← Back
          </button>
          <button type="button" className={SECONDARY_BUTTON} disabled={steps.length === 0} onClick={() => setAnswers([])}>
            Start over
          </button>
        </div>
      </div>
      <nav aria-label="Your answers" className="mt-4">
        <ol className="flex flex-wrap items-center gap-2 text-base" data-testid="guide-breadcrumb">
          <li className={`font-medium ${SECONDARY}`}>{steps.length === 0 ? "Answer the first question to begin." : "Your answers:"}</li>
          {steps.map((step, i) => (
            <li key={step.question.id}>
              {/* Going back to a step keeps the answers before it. */}
              <button
                type="button"
                title={`Change the answer to “${step.question.text}”`}
                className="min-h-11 rounded-full border-2 border-violet-300 bg-violet-50 dark:border-violet-700 dark:bg-violet-950 px-4 py-1.5 text-base font-medium text-violet-900 transition hover:border-violet-600 dark:text-violet-100"
                onClick={() => setAnswers(answers.slice(0, i))}
              >
                {step.answer.label}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <div className="mt-6">{node.kind === "question" ? <Question question={node} onAnswer={(index) => setAnswers([...answers, index])} /> : <Leaf leaf={node} titles={titles} />}</div>
    </section>
  );
}

function Question({ question, onAnswer }: { question: GuideQuestion; onAnswer: (index: number) => void }) {
  return (
    <div data-testid="guide-question">
      <p className="text-3xl leading-tight font-semibold">{question.text}</p>
      <p className={`mt-2 text-lg ${SECONDARY}`}>{question.hint}</p>
      <div className="mt-6 grid gap-4 md:grid-cols-2 xl:grid-cols-3">
        {question.answers.map((answer, index) => (
          <button
            key={answer.next}
            type="button"
            onClick={() => onAnswer(index)}
            className="min-h-20 rounded-2xl border-2 border-slate-300 dark:border-slate-600 bg-[var(--canvas)] px-6 py-4 text-left text-xl font-semibold transition hover:border-violet-500 hover:bg-violet-500/10 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-violet-500"
          >
            {answer.label}
          </button>
        ))}
      </div>
    </div>
  );
}

function Leaf({ leaf, titles }: { leaf: GuideLeaf; titles: ReadonlyMap<string, string> }) {
  const title = (id: string) => titles.get(id) ?? id;
  return (
    <div className="rounded-2xl border-2 border-emerald-600/50 bg-emerald-500/10 p-6" data-testid="guide-leaf">
      <p className="text-base font-semibold tracking-wide text-emerald-800 uppercase dark:text-emerald-300">Use</p>
      <p className="mt-1 text-4xl font-bold tracking-tight" data-testid="guide-recommendation">
        {leaf.recommendation}
      </p>
      <p className="mt-3 max-w-3xl text-xl">{leaf.why}</p>
      <div className="mt-6 flex flex-wrap gap-3">
        <Link href={`/scenarios/${leaf.scenarioId}`} className={PRIMARY_BUTTON}>
          Open scenario: {title(leaf.scenarioId)} →
        </Link>
        {leaf.comparisonId && (
          <Link href={`/compare/${leaf.comparisonId}`} className={SECONDARY_BUTTON}>
            Compare: {comparisonById(leaf.comparisonId)?.title ?? leaf.comparisonId} →
          </Link>
        )}
      </div>
      {leaf.seeAlso && (
        <p className={`mt-4 text-base ${SECONDARY}`}>
          Also in the stories:{" "}
          {leaf.seeAlso.map((id, i) => (
            <span key={id}>
              {i > 0 && ", "}
              <Link href={`/scenarios/${id}`} className="font-medium text-violet-800 underline underline-offset-4 hover:text-violet-600 dark:text-violet-300">
                {title(id)}
              </Link>
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
