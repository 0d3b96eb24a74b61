#!/usr/bin/env python3
"""Bag-of-words reference models on the CSVs prepare.sh writes, to tell the split's difficulty from the trainer's.

Trains three classic text classifiers (multinomial naive Bayes on word counts, logistic regression on word and
word-pair TF-IDF, a linear SVM on character 3-5-gram TF-IDF) on train.csv and scores them on test.csv: accuracy,
the best accuracy any single score threshold reaches on the test set itself (an upper bound no calibration can
beat), and the errors per collection. Needs Debian's python3-sklearn (apt), nothing from a package index.

    python3 tools/spam/lexical_reference.py [--train data/external/spam/train.csv] [--test data/external/spam/test.csv]
"""

import argparse
import collections
import csv
import sys

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC


def read(path):
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    missing = {'text', 'label', 'collection'} - set(rows[0] if rows else {})
    if missing:
        sys.exit(f'error: {path} lacks column(s) {", ".join(sorted(missing))}; rerun tools/spam/prepare.sh')
    return [r['text'] for r in rows], np.array([r['label'] == 'spam' for r in rows]), [r['collection'] for r in rows]


def best_threshold_accuracy(scores, truth):
    order = np.argsort(scores)
    sorted_truth = truth[order]
    # Calling everything above position k spam: correct = ham at or below k + spam above k.
    ham_below = np.concatenate([[0], np.cumsum(~sorted_truth)])
    spam_above = sorted_truth.sum() - np.concatenate([[0], np.cumsum(sorted_truth)])
    return (ham_below + spam_above).max() / len(truth)


MODELS = {
    'naive Bayes, word counts': lambda: (CountVectorizer(min_df=2), MultinomialNB()),
    'logistic regression, word 1-2-gram TF-IDF': lambda: (
        TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2)), LogisticRegression(C=10, max_iter=3000)),
    'linear SVM, char 3-5-gram TF-IDF': lambda: (
        TfidfVectorizer(sublinear_tf=True, min_df=2, analyzer='char_wb', ngram_range=(3, 5), max_features=300_000),
        LinearSVC(C=1)),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--train', default='data/external/spam/train.csv')
    parser.add_argument('--test', default='data/external/spam/test.csv')
    args = parser.parse_args()
    train_texts, train_truth, _ = read(args.train)
    test_texts, test_truth, test_collections = read(args.test)
    collections_in_test = sorted(set(test_collections))

    print(f'train {args.train}: {len(train_texts)}, test {args.test}: {len(test_texts)}')
    print(f'{"model":44s} {"accuracy":>9s} {"best threshold":>15s}  ' + '  '.join(f'{c} wrong' for c in collections_in_test))
    for name, make in MODELS.items():
        vectorizer, model = make()
        model.fit(vectorizer.fit_transform(train_texts), train_truth)
        features = vectorizer.transform(test_texts)
        predicted = model.predict(features)
        scores = model.decision_function(features) if hasattr(model, 'decision_function') \
            else np.diff(model.predict_log_proba(features), axis=1)[:, 0]
        wrong = collections.Counter(c for c, p, t in zip(test_collections, predicted, test_truth) if p != t)
        print(f'{name:44s} {np.mean(predicted == test_truth):9.2%} {best_threshold_accuracy(scores, test_truth):15.2%}  '
              + '  '.join(f'{wrong[c]:>{len(c) + 6}d}' for c in collections_in_test))


if __name__ == '__main__':
    main()
