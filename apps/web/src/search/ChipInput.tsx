import { type ClipboardEvent, type KeyboardEvent, useId, useState } from "react";

interface ChipInputProps {
  label: string;
  hint: string;
  values: string[];
  onChange(values: string[]): void;
}

/**
 * A list of values for one filter: Enter adds what is typed (leaving the field too, so nothing typed is lost),
 * pasting several lines adds each line, Backspace on an empty field removes the last value.
 */
export function ChipInput({ label, hint, values, onChange }: ChipInputProps) {
  const id = useId();
  const [text, setText] = useState("");
  const add = (items: string[]) => {
    const fresh = items.map((item) => item.trim()).filter((item) => item !== "" && !values.includes(item));
    if (fresh.length > 0) onChange([...values, ...fresh]);
    setText("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") {
      event.preventDefault();
      add([text]);
    } else if (event.key === "Backspace" && text === "" && values.length > 0) {
      onChange(values.slice(0, -1));
    }
  };
  const onPaste = (event: ClipboardEvent<HTMLInputElement>) => {
    const pasted = event.clipboardData.getData("text");
    if (!/[\r\n]/.test(pasted)) return;
    event.preventDefault();
    add(pasted.split(/\r?\n/));
  };
  return (
    <div className="chip-input">
      <label htmlFor={id}>{label}</label>
      {values.length > 0 && (
        <ul className="chips" aria-label={`${label}: selected values`}>
          {values.map((value) => (
            <li key={value} className="chip">
              <span>{value}</span>
              <button
                type="button"
                aria-label={`Remove ${value} from ${label}`}
                onClick={() => onChange(values.filter((other) => other !== value))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        id={id}
        value={text}
        aria-describedby={`${id}-hint`}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        onPaste={onPaste}
        onBlur={() => add([text])}
        autoComplete="off"
      />
      <small id={`${id}-hint`}>{hint}; Enter adds a value</small>
    </div>
  );
}
