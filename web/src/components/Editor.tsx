// A CodeMirror 6 editor with Cypher or SPARQL highlighting (the legacy modes, which CodeMirror
// maintains for languages without a Lezer grammar). Ctrl/Cmd+Enter runs the query.

import { StreamLanguage } from "@codemirror/language";
import { cypher } from "@codemirror/legacy-modes/mode/cypher";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { useEffect, useRef } from "preact/hooks";

export type QueryLanguage = "cypher" | "sparql";

const LANGUAGES = {
  cypher: StreamLanguage.define(cypher),
  sparql: StreamLanguage.define(sparql),
};

export function QueryEditor({ value, language, onChange, onRun, label }: {
  value: string; language: QueryLanguage; onChange: (text: string) => void; onRun: () => void;
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const languageSlot = useRef(new Compartment());
  const callbacks = useRef({ onChange, onRun });
  callbacks.current = { onChange, onRun };

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          languageSlot.current.of(LANGUAGES[language]),
          Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => { callbacks.current.onRun(); return true; } }])),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) callbacks.current.onChange(update.state.doc.toString());
          }),
          EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true" }),
          EditorView.lineWrapping,
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: languageSlot.current.reconfigure(LANGUAGES[language]) });
  }, [language]);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div class="editor" ref={host} data-testid="query-editor" />;
}
